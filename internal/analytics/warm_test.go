package analytics

import (
	"reflect"
	"testing"
	"time"
)

// TestWarm checks that Warm builds what the first churn, coupling,
// heatmap and punch card queries would, and that a warmed view answers as one that
// builds them on request; a view without line statistics warms what it
// can.
func TestWarm(t *testing.T) {
	x := generatedViews(t)[0].x
	warm, cold := NewView(x), NewView(x)
	warm.Warm()
	if warm.sums == nil || warm.idents == nil || warm.pairs == nil || warm.tl.cal == nil || warm.tl.identAdded == nil || warm.tl.cell == nil {
		t.Fatalf("after Warm: sums %t, path idents %t, pair lists %t, calendar %t, identity sums %t, cells %t",
			warm.sums != nil, warm.idents != nil, warm.pairs != nil, warm.tl.cal != nil, warm.tl.identAdded != nil, warm.tl.cell != nil)
	}
	if cold.sums != nil || cold.pairs != nil || cold.tl.cell != nil {
		t.Fatal("a view built its churn sums, pair lists or cells before any query asked")
	}
	now := time.Unix(x.AuthorTime[0], 0)
	for _, f := range []Filter{{}, {From: now.AddDate(-1, 0, 0)}, {Authors: []string{"a"}, Exclude: []string{ExcludeDefault}}} {
		if !reflect.DeepEqual(warm.Churn(f), cold.Churn(f)) || !reflect.DeepEqual(warm.Punchcard(f), cold.Punchcard(f)) ||
			!reflect.DeepEqual(warm.Heatmap(f, PeriodMonth, now), cold.Heatmap(f, PeriodMonth, now)) ||
			!reflect.DeepEqual(warm.Ownership(f, 2), cold.Ownership(f, 2)) ||
			!reflect.DeepEqual(warm.Coupling(f, CouplingOptions{}), cold.Coupling(f, CouplingOptions{})) {
			t.Fatalf("filter %+v: a warmed view answers differently", f)
		}
	}
	meta := *x
	meta.HasStats = false
	v := NewView(&meta)
	v.Warm()
	if v.sums != nil || v.pairs != nil || v.tl.cal == nil || v.tl.cell == nil {
		t.Fatalf("without line statistics, after Warm: sums %t, pair lists %t, calendar %t, cells %t", v.sums != nil, v.pairs != nil, v.tl.cal != nil, v.tl.cell != nil)
	}
}
