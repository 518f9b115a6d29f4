// Command trove is the whole Trove platform in one binary: the REST APIs, the
// webhook endpoints, the web apps and the background workers.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "trove:", err)
		var ue usageError
		var ce *ConfigError
		if errors.As(err, &ue) || errors.As(err, &ce) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}
