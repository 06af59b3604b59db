package index

// SetMaxSegments sets how many segments Save writes before it folds them
// into a new base, until the returned func restores it.
func SetMaxSegments(n int) (restore func()) {
	old := maxSegments
	maxSegments = n
	return func() { maxSegments = old }
}
