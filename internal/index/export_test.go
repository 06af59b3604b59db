package index

// SetMaxSegments sets how many segments Save writes before it folds them
// into a new base, until the returned func restores it.
func SetMaxSegments(n int) (restore func()) {
	old := maxSegments
	maxSegments = n
	return func() { maxSegments = old }
}

// Replaced reports how many of the older index's first commits an
// extension made by Builder.Update put in another order, and whether x is
// such an extension.
func Replaced(x *Index) (drop int, ok bool) {
	if x.ext == nil {
		return 0, false
	}
	return x.ext.drop, true
}

// Contents is x without its room (see room), which two indexes holding
// the same commits need not share: for comparing them whole.
func Contents(x *Index) Index {
	y := *x
	y.room = nil
	return y
}
