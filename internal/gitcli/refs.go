package gitcli

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Ref is a branch or tag.
type Ref struct {
	// Name is the short name: "main", "v1.0".
	Name string
	// Commit is the hash of the commit the ref points to (through an
	// annotated tag, if it is one).
	Commit string
	// Date is when an annotated tag was made, or the commit's committer
	// date for a branch, a lightweight tag or an old tag without a tagger.
	Date time.Time
	// Author is the tagger of an annotated tag, or the commit's author.
	Author string
	// Message is an annotated tag's message, or the commit's message.
	Message string
	// Annotated tells whether the ref is an annotated tag.
	Annotated bool
}

// Ref namespaces for Refs.
const (
	Branches = "refs/heads/"
	Tags     = "refs/tags/"
)

// refFields is the number of NUL-terminated fields of one ref record.
const refFields = 9

// refFormat prints refFields NUL-terminated fields per ref; for-each-ref
// adds a newline after each record, which the parser strips.
const refFormat = "--format=%(refname)%00%(objecttype)%00%(objectname)%00%(*objectname)%00" +
	"%(creatordate:unix)%00%(*committerdate:unix)%00%(taggername)%00%(authorname)%00%(contents)%00"

// Refs lists the refs under namespace (Branches or Tags), newest first by
// creation date (a tag's date, else its commit's). Refs that do not point
// to a commit, such as a tag of a tree, are left out.
func (g *Git) Refs(ctx context.Context, gitDir, namespace string) ([]Ref, error) {
	if namespace != Branches && namespace != Tags {
		return nil, fmt.Errorf("gitcli: unknown ref namespace %q", namespace)
	}
	out, err := g.Command(gitDir).Args("for-each-ref", "--sort=-creatordate", refFormat).AddDynamic(namespace).Output(ctx)
	if err != nil {
		return nil, err
	}
	return parseRefs(out, namespace)
}

// parseRefs reads for-each-ref output in refFormat.
func parseRefs(out []byte, namespace string) ([]Ref, error) {
	fields := bytes.Split(out, []byte{0})
	if len(fields)%refFields != 1 || len(bytes.TrimSpace(fields[len(fields)-1])) != 0 {
		return nil, fmt.Errorf("git for-each-ref: unexpected output %q", truncate(out))
	}
	var refs []Ref
	for i := 0; i+refFields <= len(fields)-1; i += refFields {
		f := fields[i : i+refFields]
		name := strings.TrimPrefix(string(f[0]), "\n")
		kind, target, peeled := string(f[1]), string(f[2]), string(f[3])
		var r Ref
		switch {
		case kind == "commit":
			r.Commit, r.Author = target, string(f[7])
		case kind == "tag" && peeled != "":
			r.Commit, r.Author, r.Annotated = peeled, string(f[6]), true
		default:
			continue // a tag of a tree or blob
		}
		if !isHex([]byte(r.Commit)) {
			return nil, fmt.Errorf("git for-each-ref: bad object name %q for %q", truncate([]byte(r.Commit)), name)
		}
		// Old tags may lack a tagger line, and so a date: theirs is then
		// the tagged commit's.
		date := f[4]
		if len(date) == 0 {
			date = f[5]
		}
		secs, err := strconv.ParseInt(string(date), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("git for-each-ref: bad date %q for %q", date, name)
		}
		r.Name, r.Date, r.Message = strings.TrimPrefix(name, namespace), time.Unix(secs, 0).UTC(), strings.TrimSpace(string(f[8]))
		refs = append(refs, r)
	}
	return refs, nil
}
