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
	// A name is listed when one of its identities that the filter keeps
	// has a commit in the date range.
	for a := range v.x.Idents {
		if n := v.nameID[a]; !seen[n] && (q.authors == nil || q.authors[a]) && v.identCount(a, q.from, q.to) > 0 {
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
