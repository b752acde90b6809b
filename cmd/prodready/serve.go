package main

import (
	"context"
	"fmt"
)

// runServe is replaced by the Slack bot's wiring (issue: slash command).
func runServe(_ context.Context, e *env, _ []string) int {
	fmt.Fprintln(e.stderr, "prodready serve: not built yet")
	return exitUsage
}
