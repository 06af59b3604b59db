package analytics

// ContributorsResponse is the body of /api/repositories/contributors.
type ContributorsResponse struct {
	Contributors []Contributor `json:"contributors"`
}

// Contributor is one distinct author, by mailmapped name only.
type Contributor struct {
	Login string `json:"login"`
}

// Contributors returns the distinct mailmapped author names of the commits
// matching f's authors and dates, sorted case-insensitively (ties by the
// exact string); never nil.
func (v *View) Contributors(f Filter) []Contributor {
	seen := make([]bool, len(v.names))
	count := 0
	q := v.compile(f)
	for i := range q.timeOrdered() {
		if n := v.nameID[v.x.Author[i]]; !seen[n] {
			seen[n] = true
			count++
		}
	}
	list := make([]Contributor, 0, count)
	for n, ok := range seen {
		if ok {
			list = append(list, Contributor{Login: v.names[n]})
		}
	}
	return list
}
