package analytics

import "time"

// FullData is the body of /api/repositories/full-data: a page of commits
// and the heatmap of the same filter.
type FullData struct {
	CommitsPage
	HeatmapData HeatmapData `json:"heatmapData"`
	// IsValidHeatmap reports whether HeatmapData is well formed (see
	// HeatmapData.Valid).
	IsValidHeatmap bool `json:"isValidHeatmap"`
}

// FullData returns page page of limit commits matching f (as Commits) and
// the heatmap of f with its period chosen from the range (as Heatmap).
func (v *View) FullData(f Filter, page, limit int, now time.Time) FullData {
	h := v.Heatmap(f, "", now)
	return FullData{CommitsPage: v.Commits(f, page, limit), HeatmapData: h, IsValidHeatmap: h.Valid()}
}
