package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/gitpulse/gitpulse/internal/version"
)

// newVersion is `gitpulse version`: the build's version, commit, commit
// date and toolchain, as `gitpulse --version` prints them. It reads no
// settings, so it answers even where they are wrong.
func newVersion(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit, its date and the Go toolchain of this build",
		Args:  cobra.NoArgs,
		// Overrides the root's settings check: a version is asked for
		// first of all when something is wrong.
		PersistentPreRunE: func(*cobra.Command, []string) error { return nil },
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprint(g.stdout, version.Get())
			return err
		},
	}
}
