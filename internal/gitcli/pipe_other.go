//go:build !linux

package gitcli

// growPipe does nothing where pipes cannot be grown.
func growPipe(fd, size int) {}
