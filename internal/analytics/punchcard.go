package analytics

// PunchcardResponse is the body of /api/repositories/punchcard.
type PunchcardResponse struct {
	Punchcard PunchcardData `json:"punchcard"`
}

// PunchcardData counts commits by weekday and hour of the day.
type PunchcardData struct {
	// Data holds all 168 cells, by day (Sunday first) then hour.
	Data []PunchcardCell `json:"data"`
	// TotalCommits counts the commits in the cells: those matching the
	// filter whose date git can read.
	TotalCommits int `json:"totalCommits"`
}

// PunchcardCell is one hour of one weekday.
type PunchcardCell struct {
	// Day is the weekday, 0 = Sunday to 6 = Saturday, as GitHub's punch
	// card numbers them.
	Day int `json:"day"`
	// Hour is 0 to 23.
	Hour    int `json:"hour"`
	Commits int `json:"commits"`
}

// Punchcard counts the commits matching f's authors and dates (the whole
// history without dates) by weekday and hour of their author date in the
// author's own time zone: a commit at 23:30-05:00 counts at 23h, whatever
// UTC says. Commits whose date git cannot read are left out.
func (v *View) Punchcard(f Filter) PunchcardData {
	// counts has a place for every cell value, noCell's included.
	var counts [256]int
	q := v.compile(f)
	cells := v.punchCells()
	// Each identity's commits in the window are a run of cells: only the
	// authors kept are read.
	for a := range len(v.identOff) - 1 {
		if q.authors == nil || q.authors[a] {
			start, end := v.identSpan(a, q.from, q.to)
			for _, c := range cells[start:end] {
				counts[c]++
			}
		}
	}
	d := PunchcardData{Data: make([]PunchcardCell, 7*24)}
	for c := range d.Data {
		d.Data[c] = PunchcardCell{Day: c / 24, Hour: c % 24, Commits: counts[c]}
		d.TotalCommits += counts[c]
	}
	return d
}

// floorDiv divides a by b > 0 rounding down, with a remainder in [0, b).
func floorDiv(a, b int64) (q, r int64) {
	q, r = a/b, a%b
	if r < 0 {
		q, r = q-1, r+b
	}
	return q, r
}
