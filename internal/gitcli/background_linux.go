package gitcli

import (
	"os/exec"
	"runtime"
	"syscall"
)

// startInBackground starts cmd at backgroundNice. On Linux a nice value
// belongs to a thread, and a process started from a thread inherits it:
// cmd is started from a thread of its own lowered first, so git runs at
// that priority from its first instruction, and so does every process it
// starts. The thread is then discarded (its goroutine ends still locked
// to it), since its priority cannot be raised again without privilege.
// Failing to lower it only leaves git at the usual priority.
func startInBackground(cmd *exec.Cmd) error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// who 0: the calling thread, on Linux.
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, 0, backgroundNice)
		started <- cmd.Start()
	}()
	return <-started
}
