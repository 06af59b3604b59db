// Package progress is the one description of how far a repository's
// preparation has come, shared by the layers that do the work (mirror,
// index), the one that tracks it per repository (history) and the ones
// that show it (the command line's bar, the HTTP API's 504 answers).
package progress

// Phase names a step of preparing a repository.
type Phase string

// The phases, in the order a never-seen repository goes through them.
const (
	PhaseStart     Phase = "start"     // a first preparation began, nothing done yet
	PhaseClone     Phase = "clone"     // cloning the mirror (commits only when the server allows it)
	PhaseFetch     Phase = "fetch"     // fetching new commits into the mirror
	PhaseMetadata  Phase = "metadata"  // index pass 1: commit metadata
	PhaseComplete  Phase = "complete"  // fetching the objects a commits-only mirror lacks
	PhaseLineStats Phase = "linestats" // index pass 2: per-file line statistics
	PhaseDone      Phase = "done"      // nothing under way
)

// Progress is how far the current phase has come.
type Progress struct {
	Phase Phase `json:"phase"`
	// Done is how many steps of the phase are done: 0 when it starts,
	// Total when it ends.
	Done int `json:"done"`
	// Total is how many steps the phase has; 0 while it is not known
	// (git has not said how big a clone or fetch is, or pass 1 reads a
	// fresh history without a commit-graph), which a display shows as a
	// spinner. Pass 1 of a fresh history takes the commit-graph's size, an
	// upper estimate raised to Done if it falls short.
	Total int `json:"total"`
	// StatsSince is set while the line statistics cover only the newest
	// commits: queries of author dates from this instant (RFC 3339, UTC)
	// on are answered with them already.
	StatsSince string `json:"statsSince,omitempty"`
}
