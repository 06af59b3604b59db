package recap

import "fmt"

// prompts returns the system and user prompts for mode.
func prompts(mode Mode, actions string, n int) (system, user string) {
	const intro = "You summarise a software developer's activity. The activity is listed by day, one line per commit, pull request, issue or release, as \"- [kind #number] repository: message\". "
	switch mode {
	case ModeRelease:
		system = intro + "Write release notes in Markdown, grouped under headings by kind of change (Features, Fixes, Performance, Documentation, Internal), one bullet per topic (a merged branch, pull request or subsystem). Mention only changes in the activity."
		user = "Write release notes for this activity:\n\n" + actions
	case ModePullRequest:
		system = intro + "Write a pull-request description in Markdown: a one-line title, a short summary, then a bullet list of the commits. Mention only changes in the activity."
		user = "Write a pull-request description for these commits:\n\n" + actions
	default:
		system = intro + fmt.Sprintf("Write at most %d Markdown bullet points, each starting with \"- \", one per topic (a merged branch, pull request or subsystem), the most significant first, and nothing else. Mention only work in the activity.", n)
		user = fmt.Sprintf("Summarise this activity in at most %d bullet points:\n\n%s", n, actions)
	}
	return system, user
}
