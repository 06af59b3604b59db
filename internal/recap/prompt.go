package recap

import "fmt"

// prompts returns the system and user prompts for mode.
func prompts(mode Mode, actions string, n int) (system, user string) {
	const intro = "You summarise a software developer's activity. The activity is listed by day, one line per commit, pull request, issue or release, as \"- [kind #number] repository: message\". "
	switch mode {
	case ModeRelease:
		system = intro + "Write release notes in Markdown, grouped under headings by kind of change (Features, Fixes, Documentation, Refactoring, Tests, Chores, Other changes). Mention only changes in the activity."
		user = "Write release notes for this activity:\n\n" + actions
	case ModePullRequest:
		system = intro + "Write a pull-request description in Markdown: a one-line title, a short summary, then a bullet list of the commits. Mention only changes in the activity."
		user = "Write a pull-request description for these commits:\n\n" + actions
	default:
		system = intro + fmt.Sprintf("Write exactly %d Markdown bullet points, each starting with \"- \", grouped by repository and theme, and nothing else. Mention only work in the activity.", n)
		user = fmt.Sprintf("Summarise this activity in exactly %d bullet points:\n\n%s", n, actions)
	}
	return system, user
}
