package recapbench

import (
	"regexp"
	"strings"
)

// GitNotes reads the items of a git.git release-notes file
// (Documentation/RelNotes/X.Y.Z.txt): each " * " entry, with its indented
// continuation lines, is one item, one merged topic.
func GitNotes(text string) []Item {
	return bulleted(text, func(line string) bool {
		return strings.HasPrefix(strings.TrimLeft(line, " "), "* ") && len(line)-len(strings.TrimLeft(line, " ")) <= 2
	})
}

// redisHeading is the heading of one release in redis' 00-RELEASENOTES:
// "Redis 7.2.4    Released Tue 09 Jan 2024 ...".
var redisHeading = regexp.MustCompile(`(?m)^Redis (\S+)\s.*Released`)

// RedisNotes reads the items of version's section of redis'
// 00-RELEASENOTES: each "* " entry with its continuation lines. It is
// empty when the file has no section for version.
func RedisNotes(text, version string) []Item {
	locs := redisHeading.FindAllStringSubmatchIndex(text, -1)
	for i, loc := range locs {
		if text[loc[2]:loc[3]] != version {
			continue
		}
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		return bulleted(text[loc[1]:end], func(line string) bool { return strings.HasPrefix(line, "* ") || strings.HasPrefix(line, "- ") })
	}
	return nil
}

// bulleted reads the items of text whose first lines starts says start an
// item: the item goes on over indented lines and ends at a blank or
// unindented line.
func bulleted(text string, starts func(line string) bool) []Item {
	var items []Item
	var cur []string
	flush := func() {
		if len(cur) > 0 {
			items = append(items, newItem(strings.Join(cur, " ")))
			cur = nil
		}
	}
	for line := range strings.Lines(text) {
		line = strings.TrimRight(line, "\r\n")
		switch {
		case starts(line):
			flush()
			cur = []string{strings.TrimSpace(strings.TrimSpace(line)[2:])}
		case cur != nil && strings.TrimSpace(line) != "" && (line[0] == ' ' || line[0] == '\t'):
			cur = append(cur, strings.TrimSpace(line))
		default:
			flush()
		}
	}
	flush()
	return items
}
