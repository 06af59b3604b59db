package analytics

import (
	"slices"

	"github.com/gitpulse/gitpulse/internal/index"
)

// calendar holds totals of all the commits of known date per UTC day, and
// the distinct author names of each day, week and month: a bucket of a
// heatmap or activity that lies whole within the window is then read, not
// counted commit by commit. With an author filter, the commits of the
// identities kept (or, when they are more, of those dropped, taken away)
// are visited through each identity's list. At a million commits over
// twenty years it takes 0.2 MB; none is made for dates spread over more
// than maxCalendarDays days.
type calendar struct {
	// firstDay is the day (since 1970-01-01) of the oldest known date;
	// the tables cover it and the days after it up to the newest.
	firstDay int64
	// dayRank[d] is the time rank of the first commit on or after day
	// firstDay+d; its last entry is the number of commits.
	dayRank []uint32
	// dayAdded and dayDeleted[d] are the lines changed by the commits
	// before rank dayRank[d] (nil without line statistics).
	dayAdded, dayDeleted []uint64
	// names[p][j] counts the distinct author names of bucket first[p]+j
	// of period p (see bucketNumber).
	names [3][]uint32
	first [3]int64
	// The author identities of name n are nameIdents[nameOff[n]:
	// nameOff[n+1]].
	nameOff, nameIdents []uint32

	// While commits are added: day0 is the day of the last one (from
	// firstDay), end the end of that day, bucket its bucket of each
	// period and stamp, per period and name, 1 + the last bucket the name
	// was counted in; added and deleted the lines so far.
	day0, end      int64
	bucket         [3]int32
	stamp          [3][]int32
	added, deleted uint64
}

// maxCalendarDays bounds the days a calendar covers (a few MB).
const maxCalendarDays = 1 << 18

// Periods of a calendar, as bucketNumber numbers them.
const (
	calDay = iota
	calWeek
	calMonth
)

// calendarPeriod returns the calendar period of a heatmap period.
func calendarPeriod(period string) int {
	switch period {
	case PeriodWeek:
		return calWeek
	case PeriodMonth:
		return calMonth
	}
	return calDay
}

// bucketNumber returns the number of the bucket of period p that holds day
// d (since 1970-01-01): the day itself, its ISO week (from the Monday
// 1969-12-29) or 12 * year + month - 1.
func bucketNumber(p int, d int64) int64 {
	switch p {
	case calWeek:
		w, _ := floorDiv(d+3, 7)
		return w
	case calMonth:
		y, m, _ := civil(d)
		return 12*y + m - 1
	}
	return d
}

// newCalendar returns an empty calendar for the view's dates, to be
// filled with add; nil when no commit has a known date or they span more
// than maxCalendarDays.
func (v *View) newCalendar() *calendar {
	n := len(v.sortedTime)
	known, _ := slices.BinarySearch(v.sortedTime, index.UnknownTime+1)
	if known == n {
		return nil
	}
	first, _ := floorDiv(v.sortedTime[known], secondsPerDay)
	last, _ := floorDiv(v.sortedTime[n-1], secondsPerDay)
	days := last - first + 1
	if days > maxCalendarDays {
		return nil
	}
	c := &calendar{firstDay: first, dayRank: make([]uint32, days+1), day0: -1, end: first * secondsPerDay}
	if v.stats {
		c.dayAdded, c.dayDeleted = make([]uint64, days+1), make([]uint64, days+1)
	}
	for p := range c.names {
		c.first[p] = bucketNumber(p, first)
		c.names[p] = make([]uint32, bucketNumber(p, last)-c.first[p]+1)
		c.stamp[p] = make([]int32, len(v.names))
	}
	// The identities of each name: those that authored commits.
	var names, idents []uint32
	for a := range len(v.identOff) - 1 {
		if v.identOff[a+1] > v.identOff[a] {
			names, idents = append(names, v.nameID[a]), append(idents, uint32(a))
		}
	}
	c.nameOff = offsets(names, len(v.names))
	c.nameIdents = make([]uint32, len(idents))
	next := slices.Clone(c.nameOff[:len(v.names)])
	for k, a := range idents {
		c.nameIdents[next[names[k]]] = a
		next[names[k]]++
	}
	return c
}

// add counts the commit of time rank k, which changed added and deleted
// lines: commits are added in time order.
func (c *calendar) add(v *View, k int, added, deleted uint32) {
	t := v.sortedTime[k]
	if t == index.UnknownTime {
		return
	}
	// Days up to the commit's start here.
	for t >= c.end {
		c.day0++
		c.dayRank[c.day0] = uint32(k)
		if c.dayAdded != nil {
			c.dayAdded[c.day0], c.dayDeleted[c.day0] = c.added, c.deleted
		}
		for p := range c.bucket {
			c.bucket[p] = int32(bucketNumber(p, c.firstDay+c.day0) - c.first[p])
		}
		c.end += secondsPerDay
	}
	name := v.nameID[v.sortedIdent[k]]
	for p := range c.stamp {
		if c.stamp[p][name] != c.bucket[p]+1 {
			c.stamp[p][name] = c.bucket[p] + 1
			c.names[p][c.bucket[p]]++
		}
	}
	c.added += uint64(added)
	c.deleted += uint64(deleted)
}

// finish completes a calendar of n commits once all are added.
func (c *calendar) finish(n int) {
	for c.day0++; c.day0 < int64(len(c.dayRank)); c.day0++ {
		c.dayRank[c.day0] = uint32(n)
		if c.dayAdded != nil {
			c.dayAdded[c.day0], c.dayDeleted[c.day0] = c.added, c.deleted
		}
	}
	c.stamp = [3][]int32{}
}

// rank returns the time rank of the first commit on or after day d.
func (c *calendar) rank(d int64) int {
	return int(c.dayRank[c.day(d)])
}

// day returns d's place in dayRank: clamped to the days covered, with
// those after them at the end.
func (c *calendar) day(d int64) int64 {
	return min(max(d-c.firstDay, 0), int64(len(c.dayRank)-1))
}

// bucketSums are per-bucket totals of the commits a query selects.
type bucketSums struct {
	// commits and authors count the commits and their distinct author
	// names; added and deleted (nil when not asked for) their lines.
	commits, authors, added, deleted []int
}

// sumBuckets sums up the commits q selects per bucket of bounds (the
// start times of period's buckets, then the end of the last one, covering
// q's dates), and with lines (only with line statistics) the lines they
// changed in files not excluded, as query.lines counts them. items are
// the Filter.Exclude items q was compiled from.
func (v *View) sumBuckets(q *query, items []string, period string, bounds []int64, lines bool) bucketSums {
	n := len(bounds) - 1
	s := bucketSums{commits: make([]int, n), authors: make([]int, n)}
	lo, hi := v.span(q.from, q.to)
	var fix *lineFix
	if lines {
		s.added, s.deleted = make([]int, n), make([]int, n)
		fix = v.lineFix(items, q, lo, hi)
	}
	// Without a lineFix, lines in excluded files are found change by
	// change.
	direct := lines && q.excluded != nil && fix == nil
	// Buckets [whole, past) lie whole within q's dates; windows of less
	// than a thirty-second of the history are counted commit by commit.
	whole, _ := slices.BinarySearch(bounds, q.from)
	end := min(q.to, maxTime-1) + 1
	past, _ := slices.BinarySearch(bounds, end)
	if past < len(bounds) && bounds[past] == end {
		past++
	}
	past--
	if direct || whole >= past || (hi-lo)*32 < len(v.byTime) {
		v.scanBuckets(q, &s, bounds, 0, lo, hi, fix, direct)
		return s
	}
	cal := v.calendar()
	if cal == nil {
		v.scanBuckets(q, &s, bounds, 0, lo, hi, fix, direct)
		return s
	}
	r0, r1 := v.span(bounds[whole], bounds[past]-1)
	v.scanBuckets(q, &s, bounds, 0, lo, r0, fix, false)
	v.scanBuckets(q, &s, bounds, past, r1, hi, fix, false)
	v.calendarBuckets(q, &s, cal, calendarPeriod(period), bounds, whole, past, fix)
	return s
}

// scanBuckets adds to s the commits q selects among time ranks [lo, hi),
// which lie in buckets first and after of bounds, reading every one; with
// direct, the lines in excluded files are found change by change, else
// fix (if any) has them.
func (v *View) scanBuckets(q *query, s *bucketSums, bounds []int64, first, lo, hi int, fix *lineFix, direct bool) {
	x := v.x
	lines := s.added != nil
	// stamp[name] is 1 + the last bucket the name was counted in; commits
	// come in time order, so buckets never go back.
	stamp := make([]int32, len(v.names))
	fp := fix.after(lo)
	k := lo
	for b := first; b < len(bounds)-1 && k < hi; b++ {
		end, bucket := bounds[b+1], int32(b+1)
		// The bucket's totals are kept in registers, and a name's first
		// commit is counted without a branch (which the next commit's
		// author would make unpredictable).
		commits, authors, added, deleted := 0, 0, 0, 0
		for ; k < hi && v.sortedTime[k] < end; k++ {
			var exAdded, exDeleted uint32
			if fix != nil && fp < len(fix.rank) && int(fix.rank[fp]) == k {
				exAdded, exDeleted = fix.added[fp], fix.deleted[fp]
				fp++
			}
			a := v.sortedIdent[k]
			if q.authors != nil && !q.authors[a] {
				continue
			}
			commits++
			name := v.nameID[a]
			first := 0
			if stamp[name] != bucket {
				first = 1
			}
			stamp[name] = bucket
			authors += first
			if !lines {
				continue
			}
			i := int(v.byTime[k])
			if direct {
				a, d := q.lines(i)
				added += a
				deleted += d
			} else {
				added += int(x.Added[i] - exAdded)
				deleted += int(x.Deleted[i] - exDeleted)
			}
		}
		s.commits[b] += commits
		s.authors[b] += authors
		if lines {
			s.added[b] += added
			s.deleted[b] += deleted
		}
	}
}

// calendarBuckets fills in the buckets [whole, past) of bounds, of period
// p, which lie whole within q's dates: from the calendar without an
// author filter; else from the commits of the identities kept, or from
// the calendar less those of the identities dropped, whichever are fewer.
// Lines in excluded files are taken away with fix.
func (v *View) calendarBuckets(q *query, s *bucketSums, cal *calendar, p int, bounds []int64, whole, past int, fix *lineFix) {
	from, to := bounds[whole], bounds[past]-1
	w := bucketWalk{v: v, s: s}
	keptOnly := false
	if q.authors != nil {
		kept, all := 0, 0
		for a, ok := range q.authors {
			if n := v.identCount(a, from, to); ok {
				kept += n
			} else {
				all += n
			}
		}
		all += kept
		keptOnly = kept*2 <= all
	}
	if !keptOnly {
		for b := whole; b < past; b++ {
			ds, _ := floorDiv(bounds[b], secondsPerDay)
			de, _ := floorDiv(bounds[b+1], secondsPerDay)
			s.commits[b] = cal.rank(de) - cal.rank(ds)
			if s.added != nil {
				s.added[b] = int(cal.dayAdded[cal.day(de)] - cal.dayAdded[cal.day(ds)])
				s.deleted[b] = int(cal.dayDeleted[cal.day(de)] - cal.dayDeleted[cal.day(ds)])
			}
			if j := bucketNumber(p, ds) - cal.first[p]; j >= 0 && j < int64(len(cal.names[p])) {
				s.authors[b] = int(cal.names[p][j])
			}
		}
	}
	if q.authors != nil {
		w.table(cal, bounds, whole, past)
		w.stamp, w.mark = make([]int32, len(bounds)), make([]int32, len(bounds))
		w.added, w.deleted = v.identSums()
		for name := range len(v.names) {
			idents := cal.nameIdents[cal.nameOff[name]:cal.nameOff[name+1]]
			w.name(q.authors, idents, int32(name+1), keptOnly, from, to)
		}
	}
	if fix == nil {
		return
	}
	r0, r1 := v.span(from, to)
	b := whole
	for e := fix.after(r0); e < len(fix.rank) && int(fix.rank[e]) < r1; e++ {
		k := fix.rank[e]
		if a := v.sortedIdent[k]; q.authors == nil || q.authors[a] {
			for v.sortedTime[k] >= bounds[b+1] {
				b++
			}
			s.added[b] -= int(fix.added[e])
			s.deleted[b] -= int(fix.deleted[e])
		}
	}
}

// bucketWalk adds or takes away the commits of identities, visited
// through their lists of View.identTime, to or from per-bucket totals.
type bucketWalk struct {
	v *View
	s *bucketSums
	// bucket[d] is the bucket of day firstDay + d.
	bucket   []int32
	firstDay int64
	// stamp and mark are per bucket: 1 + the last name counted in it
	// (kept) or found in it (dropped, then kept).
	stamp, mark []int32
	touched     []int32
	// added and deleted are the identities' running line totals (see
	// View.identSums), nil when there are none.
	added, deleted []uint32
}

// table maps the days of the buckets [whole, past) that the calendar
// covers to their buckets.
func (w *bucketWalk) table(cal *calendar, bounds []int64, whole, past int) {
	dayOf := func(t int64) int64 { d, _ := floorDiv(t, secondsPerDay); return d }
	lastDay := cal.firstDay + int64(len(cal.dayRank)) - 2
	w.firstDay = max(dayOf(bounds[whole]), cal.firstDay)
	end := min(dayOf(bounds[past]), lastDay+1)
	w.bucket = make([]int32, max(end-w.firstDay, 0))
	for b := whole; b < past; b++ {
		for d := max(dayOf(bounds[b]), w.firstDay); d < min(dayOf(bounds[b+1]), end); d++ {
			w.bucket[d-w.firstDay] = int32(b)
		}
	}
}

// name walks the identities of one name (1 + its id) within [from, to]:
// with kept, it adds the commits of those authors keeps and counts the
// name once in each bucket they fall in; else it takes away those of the
// identities dropped, and the name from the buckets where it has no
// commit left.
func (w *bucketWalk) name(keeps []bool, idents []uint32, name int32, kept bool, from, to int64) {
	w.touched = w.touched[:0]
	for _, a := range idents {
		if keeps[a] == kept {
			w.walk(int(a), from, to, kept, name)
		}
	}
	if kept || len(w.touched) == 0 {
		return
	}
	// Buckets where a kept identity of the name has commits keep it.
	for _, a := range idents {
		if keeps[a] {
			start, end := w.v.identSpan(int(a), from, to)
			for _, t := range w.v.identTime[start:end] {
				d, _ := floorDiv(t, secondsPerDay)
				w.mark[w.bucket[d-w.firstDay]] = name
			}
		}
	}
	for _, b := range w.touched {
		if w.mark[b] != name {
			w.s.authors[b]--
		}
	}
}

// walk adds (add) or takes away identity a's commits within [from, to],
// noting the buckets they fall in for name.
func (w *bucketWalk) walk(a int, from, to int64, add bool, name int32) {
	v, s := w.v, w.s
	start, end := v.identSpan(a, from, to)
	sign := 1
	if !add {
		sign = -1
	}
	lines := s.added != nil
	var prevAdded, prevDeleted uint32
	if w.added != nil && start > int(v.identOff[a]) {
		prevAdded, prevDeleted = w.added[start-1], w.deleted[start-1]
	}
	for e := start; e < end; e++ {
		d, _ := floorDiv(v.identTime[e], secondsPerDay)
		b := w.bucket[d-w.firstDay]
		s.commits[b] += sign
		if w.stamp[b] != name {
			w.stamp[b] = name
			if add {
				s.authors[b]++
			} else {
				w.touched = append(w.touched, b)
			}
		}
		if !lines {
			continue
		}
		var added, deleted uint32
		if w.added != nil {
			added, deleted = w.added[e]-prevAdded, w.deleted[e]-prevDeleted
			prevAdded, prevDeleted = w.added[e], w.deleted[e]
		} else {
			i := v.identPos[e]
			added, deleted = v.x.Added[i], v.x.Deleted[i]
		}
		s.added[b] += sign * int(added)
		s.deleted[b] += sign * int(deleted)
	}
}
