// Command gitpulse turns git history into answers; see `gitpulse --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/gitpulse/gitpulse/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Execute(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
