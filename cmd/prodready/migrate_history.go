package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prodready/prodready/report/history"
)

// runMigrateHistory moves the history PRODREADY_DB names to the layout
// that stores results by change (history.MigrateLayout), or with
// --dry-run says how big it is and would be.
func runMigrateHistory(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "migrate-history", "prodready migrate-history [--dry-run] [--batch N]\n\n"+
		"Moves the history in PRODREADY_DB to the layout of schema version 6, which stores each result once per\n"+
		"span it held for (docs/history.md). Interrupted, it resumes where it stopped when run again; the history\n"+
		"stays in the old layout, readable by the prodready that wrote it, until the last step switches it at once.")
	dry := fs.Bool("dry-run", false, "read the history and print its size now and after the migration (estimated), writing nothing")
	batch := fs.Int("batch", 200, "snapshots moved per transaction")
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready migrate-history: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if *batch <= 0 {
		fmt.Fprintf(e.stderr, "prodready migrate-history: --batch %d: give a number of snapshots above 0\n", *batch)
		return exitUsage
	}
	s, err := e.settings()
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready migrate-history: %v\n", err)
		return exitUsage
	}
	verb := "moved"
	if *dry {
		verb = "read"
	}
	var last time.Time
	progress := func(done, total int64) {
		// A line every few seconds, and the last one.
		if now := time.Now(); now.Sub(last) >= 2*time.Second || done == total {
			last = now
			pct := 100.0
			if total > 0 {
				pct = 100 * float64(done) / float64(total)
			}
			fmt.Fprintf(e.stderr, "prodready migrate-history: %d of %d snapshots %s (%.0f%%)\n", done, total, verb, pct)
		}
	}
	rep, err := history.MigrateLayout(ctx, s.db, history.Options{}, history.LayoutOptions{DryRun: *dry, Batch: *batch, Progress: progress})
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready migrate-history: %v\n", err)
		if !*dry && ctx.Err() != nil {
			fmt.Fprintln(e.stderr, "prodready migrate-history: interrupted; the history is still in the old layout, and running the command again resumes")
		}
		return exitUsage
	}
	switch {
	case rep.AlreadyDone:
		fmt.Fprintf(e.stdout, "%s is in the change layout already: %d snapshots, %s.\n", rep.Where, rep.Snapshots, sizeOf(rep.SizeBefore))
	case *dry:
		fmt.Fprintf(e.stdout, "%s: %d snapshots, %d result rows, %s now; after the migration about %d result rows, %s (estimated). Nothing was written.\n",
			rep.Where, rep.Snapshots, rep.OldRows, sizeOf(rep.SizeBefore), rep.NewRows, sizeOf(rep.SizeAfter))
	default:
		resumed := ""
		if rep.Resumed > 0 {
			resumed = fmt.Sprintf(" (resumed after %d)", rep.Resumed)
		}
		fmt.Fprintf(e.stdout, "%s: moved %d snapshots%s in %s: %d result rows became %d; %s before, %s after.\n",
			rep.Where, rep.Snapshots, resumed, rep.Took.Round(time.Millisecond), rep.OldRows, rep.NewRows, sizeOf(rep.SizeBefore), sizeOf(rep.SizeAfter))
	}
	return exitOK
}

// sizeOf writes a byte count in the largest unit that keeps it above 1.
func sizeOf(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 3 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGT"[i])
}
