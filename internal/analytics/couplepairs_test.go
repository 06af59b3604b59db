package analytics

import (
	"reflect"
	"testing"
)

// TestCouplingPathsEqualScans compares every way coupling is answered
// with a scan of every commit that counts the pairs in a map: the pair
// lists (read by couplePairs, in two goroutines over long windows), the
// whole tables (no filter over the whole history), the often changed
// pairs (a file filter only, over the whole history), the commits' files
// (coupleScan) and Coupling, which chooses between them. The pair lists
// are made in three shapes: the views' own, with partners in 32 bits and
// pairs changed together three times listed as frequent, and six times,
// so that the whole tables answer the small histories too. The options reach
// past maxTableShared, past the pruning classes of MinShared (2, 3 and
// 5) and past maxPairFiles.
func TestCouplingPathsEqualScans(t *testing.T) {
	wholes, scans, authors, often := 0, 0, 0, 0
	// File filters over the whole history, without an author filter.
	var fileFilters []Filter
	for range 5 {
		fileFilters = append(fileFilters, Filter{Extensions: []string{"c", "h"}}, Filter{Extensions: []string{"go", "py"}},
			Filter{Paths: []string{"src/", "lib/"}}, Filter{Exclude: []string{ExcludeDefault}},
			Filter{Extensions: []string{"js", "ts", "md"}, Exclude: []string{"docs/"}}, Filter{Paths: []string{"internal"}, Extensions: []string{"go"}})
	}
	for vk, base := range append(generatedViews(t), sharedNames(t, 2)) {
		for sk, shape := range []pairShape{defaultPairShape, {frequent: 3, wide: true}, {frequent: 6}} {
			v := NewView(base.x)
			v.pairsOnce.Do(func() { v.pairs = v.buildPairLists(v.churnSums(), shape) })
			// The filters, then the whole history without one.
			filters := append(append(fastPathFilters(v), fileFilters...), make([]Filter, 40)...)
			for fk, f := range filters {
				opts := CouplingOptions{Limit: []int{1, 7, 50, 400}[fk%4], MinShared: 1 + fk%10, MaxFiles: 2 + fk*7%72}.withDefaults()
				pairs, summary := scanCoupling(v, f, opts)
				check := func(how string, d CouplingData) {
					t.Helper()
					if !reflect.DeepEqual(d.Pairs, pairs) || d.Summary != summary {
						t.Fatalf("view %d, shape %d, filter %d %+v, %+v: %s %+v with %d pairs, scan %+v with %d",
							vk, sk, fk, f, opts, how, d.Summary, len(d.Pairs), summary, len(pairs))
					}
				}
				check("Coupling", v.Coupling(f, opts))
				keep := v.pathFilter(normalise(f.Extensions, extension), normalise(f.Paths, pathPrefix), v.excluded(f.Exclude))
				q := v.compile(f)
				d := CouplingData{Pairs: []CoupledPair{}}
				v.coupleScan(&q, keep, opts, &d)
				check("commit files", d)
				if opts.MaxFiles > maxPairFiles {
					continue
				}
				d = CouplingData{Pairs: []CoupledPair{}}
				v.couplePairs(v.pairs, &q, keep, opts, &d)
				check("pair lists", d)
				scans++
				lo, hi := v.span(q.from, q.to)
				if _, ok := v.authorPlan(v.pairs, &q, lo, hi); ok {
					authors++
				}
				v.everyAuthor(&q)
				if keep != nil && q.authors == nil && lo == 0 && hi == len(v.byTime) && opts.MinShared >= oftenShared {
					d = CouplingData{Pairs: []CoupledPair{}}
					v.coupleOften(v.pairs, keep, opts, &d)
					check("often pairs", d)
					often++
				}
				if fk >= len(filters)-40 {
					d = CouplingData{Pairs: []CoupledPair{}}
					if v.coupleWhole(v.pairs, opts, &d) {
						check("whole tables", d)
						wholes++
					}
				}
			}
		}
	}
	if wholes < 20 || scans < 100 || authors < 20 || often < 100 {
		t.Fatalf("the whole tables answered %d times, the pair lists %d, the author lists %d, the often changed pairs %d", wholes, scans, authors, often)
	}
}

// TestCouplingWholeTables compares the whole tables' answers (no filter,
// the whole history) with a scan over many limits: the pairs listed must
// be the first of all pairs even when the last of them shares hardly
// more commits than a pair left out of the frequent ones can.
func TestCouplingWholeTables(t *testing.T) {
	x := generatedViews(t)[0].x
	answered := 0
	for _, frequent := range []uint32{2, 4} {
		v := NewView(x)
		v.pairsOnce.Do(func() { v.pairs = v.buildPairLists(v.churnSums(), pairShape{frequent: frequent}) })
		for _, maxFiles := range []int{2, 4, 10, maxPairFiles} {
			for _, minShared := range []int{1, 2, 5, maxTableShared} {
				all, summary := scanCoupling(v, Filter{}, CouplingOptions{Limit: 1 << 30, MinShared: minShared, MaxFiles: maxFiles})
				for limit := 1; limit <= 80; limit++ {
					opts := CouplingOptions{Limit: limit, MinShared: minShared, MaxFiles: maxFiles}
					d := CouplingData{Pairs: []CoupledPair{}}
					if !v.coupleWhole(v.pairs, opts, &d) {
						continue
					}
					answered++
					if want := all[:min(limit, len(all))]; !reflect.DeepEqual(d.Pairs, want) || d.Summary != summary {
						t.Fatalf("frequent %d, %+v: %+v with %d pairs, scan %+v with %d", frequent, opts, d.Summary, len(d.Pairs), summary, len(want))
					}
				}
			}
		}
	}
	if answered < 300 {
		t.Fatalf("the whole tables answered %d times", answered)
	}
}
