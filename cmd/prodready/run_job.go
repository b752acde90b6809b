package main

import (
	"context"
	"fmt"
)

// runJob is replaced by the scheduled jobs' wiring (issue: digests and notices).
func runJob(_ context.Context, e *env, _ []string) int {
	fmt.Fprintln(e.stderr, "prodready run: not built yet")
	return exitUsage
}
