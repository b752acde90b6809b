package main

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/exemption"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/report/history"
)

// runJob runs one scheduled job now, through the same code the scheduler
// uses. Without SLACK_BOT_TOKEN it prints to the terminal (console mode).
func runJob(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "run", fmt.Sprintf("prodready run JOB [--dry-run] [--force] [--catalog FILE] [--scorecards FILE]...\n\nJobs: %s.\n"+
		"With no SLACK_BOT_TOKEN, messages are printed here instead of posted.", strings.Join(jobs.Names(), ", ")))
	dry := fs.Bool("dry-run", false, "print the messages instead of posting them; record nothing as sent")
	force := fs.Bool("force", false, "send even what was already sent in this period, or has not changed")
	var src sourceFlags
	src.register(fs)
	// The job name may come before or after the flags.
	var job string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		job, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if job == "" && fs.NArg() > 0 {
		job = fs.Arg(0)
	} else if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready run: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	if job == "" {
		usageTo(fs, e.stderr)
		return exitUsage
	}
	if !slices.Contains(jobs.Names(), job) {
		fmt.Fprintf(e.stderr, "prodready run: unknown job %q (jobs: %s)\n", job, strings.Join(jobs.Names(), ", "))
		return exitUsage
	}
	fail := func(err error) int {
		fmt.Fprintf(e.stderr, "prodready run %s: %v\n", job, err)
		return exitUsage
	}
	s, err := e.settings()
	if err != nil {
		return fail(err)
	}
	log := newLoggerAt(e, slog.LevelWarn)
	source, err := pickSource(e, src, withLog(log), withStore("open"), withProgress(nil))
	if err != nil {
		return fail(err)
	}
	source = withAnnouncements(source, s)
	store, err := history.Open(ctx, s.db, history.Options{})
	if err != nil {
		return fail(err)
	}
	defer store.Close()
	deps := engine.Deps{Jobs: jobs.All(), Source: exemption.With(source, s.exemptionConfig(), store, log), Store: store, Out: e.stdout, Log: log, Now: time.Now,
		Notifiers: notifiers(s, nil, log), ConsoleWhy: consoleWhy}
	token := s.botToken
	cfg := s.jobs
	js, err := engine.NewJobs(cfg, deps)
	if err != nil {
		return fail(err)
	}
	// The same job in serve's leader (or another run) is waited for, not
	// run alongside: what it sent is then skipped here.
	out, err := js.RunExclusive(ctx, job, engine.RunOptions{DryRun: *dry, Force: *force})
	for _, n := range out.Notes {
		fmt.Fprintf(e.stderr, "prodready run %s: %s\n", job, n)
	}
	if token != "" && !*dry {
		fmt.Fprintf(e.stderr, "prodready run %s (%s): %d sent, %d skipped, %d failed\n", job, out.Period, out.Sent, out.Skipped, out.Failed)
	} else if job == jobs.Refresh && err == nil {
		fmt.Fprintf(e.stdout, "Stored snapshot %d in %s.\n", out.SnapshotID, store.Where())
	}
	if err != nil {
		return fail(err)
	}
	return exitOK
}
