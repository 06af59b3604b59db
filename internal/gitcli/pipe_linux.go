package gitcli

import "golang.org/x/sys/unix"

// growPipe asks for a pipe capacity of size bytes; a refusal (a system
// limit) leaves the default, which only costs more wake-ups.
func growPipe(fd, size int) {
	_, _ = unix.FcntlInt(uintptr(fd), unix.F_SETPIPE_SZ, size)
}
