package recapbench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gitpulse/gitpulse/internal/activity"
	"github.com/gitpulse/gitpulse/internal/gitcli"
	"github.com/gitpulse/gitpulse/internal/recap"
)

// Tuned are the releases the built-in summariser's rules were tuned on
// while looking at their human notes; results on them are reported apart
// from the releases held out.
var Tuned = []string{"v2.38.0", "v2.39.0", "v2.40.0", "6.2.1", "7.0.1", "7.0.12", "7.2.1", "7.2.2"}

// Repository is what the benchmark reads from the repository scored.
type Repository struct {
	// Git and GitDir read files at tags.
	Git    *gitcli.Git
	GitDir string
	// Releases reads a release's items by revision range.
	Releases activity.ReleaseReader
	// Name is the repository's name in Releases' calls.
	Name string
}

// Release is the score of one release.
type Release struct {
	Tag, Since string
	Tuned      bool
	Score      Score
	// Written are the notes the summariser wrote; Human the human items.
	Written string
	Human   []Item
}

// ErrNoNotes is returned for a tag whose human notes the benchmark cannot
// find in the repository.
var ErrNoNotes = errors.New("no human release notes this benchmark reads (Documentation/RelNotes/X.Y.Z.txt or 00-RELEASENOTES) at this tag")

// HumanNotes reads the human items of release tag, stored in the
// repository at that tag: git.git's Documentation/RelNotes/X.Y.Z.txt, or
// the tag's section of redis' 00-RELEASENOTES.
func HumanNotes(ctx context.Context, r Repository, tag string) ([]Item, error) {
	v, ok := activity.ParseVersion(tag)
	if !ok || v.Pre != "" {
		return nil, fmt.Errorf("%s: not a release tag", tag)
	}
	rev := gitcli.Tags + tag
	if b, err := r.Git.FileAt(ctx, r.GitDir, rev, fmt.Sprintf("Documentation/RelNotes/%d.%d.%d.txt", v.Major, v.Minor, v.Patch)); err == nil {
		return GitNotes(string(b)), nil
	}
	if b, err := r.Git.FileAt(ctx, r.GitDir, rev, "00-RELEASENOTES"); err == nil {
		if items := RedisNotes(string(b), strings.TrimPrefix(tag, "v")); len(items) > 0 {
			return items, nil
		}
	}
	return nil, fmt.Errorf("%s: %w", tag, ErrNoNotes)
}

// DefaultTags are the releases scored when none are named: git.git's
// feature releases v2.30.0 to v2.43.0, or redis' maintenance releases of
// 6.2, 7.0 and 7.2 (before 7.4), whichever the repository has.
func DefaultTags(tags []string) []string {
	var out []string
	for _, t := range tags {
		v, ok := activity.ParseVersion(t)
		if !ok || v.Pre != "" {
			continue
		}
		git := strings.HasPrefix(t, "v") && v.Major == 2 && v.Minor >= 30 && v.Minor < 44 && v.Patch == 0
		redis := !strings.HasPrefix(t, "v") && v.Major*100+v.Minor >= 602 && v.Major*100+v.Minor < 704 && v.Patch > 0
		if git || redis {
			out = append(out, t)
		}
	}
	slices.SortFunc(out, func(a, b string) int {
		va, _ := activity.ParseVersion(a)
		vb, _ := activity.ParseVersion(b)
		return cmpVersions(va, vb)
	})
	return out
}

func cmpVersions(a, b activity.Version) int {
	switch {
	case a.Major != b.Major:
		return a.Major - b.Major
	case a.Minor != b.Minor:
		return a.Minor - b.Minor
	}
	return a.Patch - b.Patch
}

// Run writes the release notes of each tag with gen (the built-in
// summariser: gen must have no model) and scores them against the human
// notes. Tags without human notes in the repository are skipped and
// returned apart.
func Run(ctx context.Context, r Repository, gen *recap.Generator, tags []string) (scored []Release, skipped []string, err error) {
	for _, tag := range tags {
		human, err := HumanNotes(ctx, r, tag)
		if errors.Is(err, ErrNoNotes) {
			skipped = append(skipped, tag)
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		items, since, err := r.Releases.ReleaseActivity(ctx, r.Name, tag)
		if err != nil {
			return nil, nil, err
		}
		var b strings.Builder
		if _, err := gen.GenerateResponse(ctx, recap.ModeRelease, recap.Input{Items: items}, 0, func(c string) error {
			b.WriteString(c)
			return nil
		}); err != nil {
			return nil, nil, err
		}
		rel := Release{Tag: tag, Tuned: slices.Contains(Tuned, tag), Written: b.String(), Human: human}
		if since != nil {
			rel.Since = since.Tag
		}
		rel.Score = Match(Bullets(rel.Written), human)
		scored = append(scored, rel)
	}
	return scored, skipped, nil
}

// Totals sums the scores of releases, tuned and held out apart.
func Totals(releases []Release) (tuned, heldOut Score) {
	for _, r := range releases {
		if r.Tuned {
			tuned = tuned.Add(r.Score)
		} else {
			heldOut = heldOut.Add(r.Score)
		}
	}
	return tuned, heldOut
}
