package analytics

import (
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gitpulse/gitpulse/internal/synth"
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

// TestCouplingAuthorListsEqualScans compares coupling read from the
// author lists with a scan, on a history of few people and few paths
// (several identities get lists, and they change the same pairs again
// and again): every set of the identities with lists, alone and with
// one identity without, over windows, minimum shared commits past each
// cut and maximum files. The author lists read, for each pair, only as
// many commits as the identities with lists made together allow, less
// those of the identities without lists.
func TestCouplingAuthorListsEqualScans(t *testing.T) {
	x, err := indexSynth(t, synth.Options{Commits: 3000, Authors: 20, Paths: 60, Seed: 5})
	if err != nil {
		t.Fatal(err)
	}
	v := NewView(x)
	pl := v.pairLists()
	if len(pl.authors) < 3 {
		t.Fatalf("%d identities have author lists, want 3 at least", len(pl.authors))
	}
	with := map[uint32]bool{}
	for _, l := range pl.authors {
		with[l.ident] = true
	}
	var without []string
	for a := range v.lowerName {
		if !with[uint32(a)] && v.identOff[a+1] > v.identOff[a] {
			without = append(without, x.Idents[a].Email)
		}
	}
	newest := time.Unix(v.sortedTime[len(v.sortedTime)-1], 0)
	windows := [][2]time.Time{{}, {newest.AddDate(-4, 0, 0), time.Time{}}, {time.Time{}, newest.AddDate(-9, 0, 0)}}
	planned, mixed := 0, 0
	for set := 1; set < 1<<len(pl.authors); set++ {
		var emails []string
		for k, l := range pl.authors {
			if set>>k&1 == 1 {
				emails = append(emails, x.Idents[l.ident].Email)
			}
		}
		for k, extra := range [][]string{nil, without[set%len(without) : set%len(without)+1]} {
			for wk, w := range windows {
				for _, minShared := range []int{1, 2, 3, 4, 5, 6, 9} {
					f := Filter{Authors: append(slices.Clone(emails), extra...), From: w[0], To: w[1]}
					opts := CouplingOptions{Limit: 7 + 20*wk, MinShared: minShared, MaxFiles: []int{4, 12, maxPairFiles}[(set+minShared)%3]}.withDefaults()
					q := v.compile(f)
					lo, hi := v.span(q.from, q.to)
					if _, ok := v.authorPlan(pl, &q, lo, hi); !ok {
						continue
					}
					planned++
					mixed += k
					d := CouplingData{Pairs: []CoupledPair{}}
					v.couplePairs(pl, &q, nil, opts, &d)
					if pairs, summary := scanCoupling(v, f, opts); !reflect.DeepEqual(d.Pairs, pairs) || d.Summary != summary {
						t.Fatalf("identities %q, window %d, %+v: %+v with %d pairs, scan %+v with %d", f.Authors, wk, opts, d.Summary, len(d.Pairs), summary, len(pairs))
					}
				}
			}
		}
	}
	if planned < 100 || mixed < 30 {
		t.Fatalf("the author lists answered %d times, %d of them with an identity without lists", planned, mixed)
	}
}
