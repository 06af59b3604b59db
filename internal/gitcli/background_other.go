//go:build !linux

package gitcli

import (
	"os/exec"
	"syscall"
)

// startInBackground starts cmd and lowers its priority to backgroundNice
// at once, before git, which reads its configuration first, starts its
// helpers (they inherit it). Failing to lower it only leaves git at the
// usual priority.
func startInBackground(cmd *exec.Cmd) error {
	if err := cmd.Start(); err != nil {
		return err
	}
	_ = syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, backgroundNice)
	return nil
}
