package analytics

// Warm builds now what the first query of each kind would otherwise build
// on its request: the churn sums (with the totals per path and identity
// and the first directory logs), coupling's pair lists, the calendar with
// the identity line sums and the punch card cells, for the view and for
// the view of its covered commits. It costs about two seconds of CPU at a
// million commits (the pair lists most, in two goroutines) and
// is safe to call while queries run (they wait for a part being built,
// as they would for their own). A view that replaces one being served is
// warmed before it is published, so that no request after a refresh pays
// for them.
func (v *View) Warm() {
	v.churnSums()
	v.pairLists()
	v.identSums()
	v.punchCells()
	if v.covered != nil {
		v.covered.Warm()
	}
}
