package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/prodready/prodready/bot/mcp"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/scorecard"
)

const mcpSynopsis = "prodready mcp [--catalog FILE] [--scorecards FILE]...\n\n" +
	"Serves prodready's results to a coding assistant over the Model Context Protocol on stdin and stdout:\n" +
	"read-only tools get_service, list_services, get_team and explain_scorecard. The catalog is read\n" +
	"from the configured source at the first call and again when older than PRODREADY_REFRESH_EVERY.\n" +
	"Nothing but the protocol is written to stdout; warnings go to stderr.\n" +
	"Exit status: 0 when the client leaves; 2 bad usage, or a source that cannot be configured."

func runMCP(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "mcp", mcpSynopsis)
	var src sourceFlags
	src.register(fs)
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready mcp: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	cfg, err := mcpConfig(e, src)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready mcp: %v\n", err)
		return exitUsage
	}
	if e.stdin == nil {
		fmt.Fprintln(e.stderr, "prodready mcp: no standard input to read the protocol from")
		return exitUsage
	}
	if err := mcp.Run(ctx, cfg, io.NopCloser(e.stdin), nopWriteCloser{e.stdout}); err != nil && ctx.Err() == nil && !errors.Is(err, io.EOF) {
		fmt.Fprintf(e.stderr, "prodready mcp: %v\n", err)
		return exitUsage
	}
	return exitOK
}

// mcpConfig builds the MCP server's view of the catalog: loaded at the
// first call and again once older than the refresh interval, with the
// exemptions check counts.
func mcpConfig(e *env, src sourceFlags) (mcp.Config, error) {
	s, err := e.settings()
	if err != nil {
		return mcp.Config{}, err
	}
	source, err := pickSource(e, src)
	if err != nil {
		return mcp.Config{}, err
	}
	source = withAnnouncements(source, s)
	targets, err := report.ParseTargets(s.jobs.TargetLevel)
	if err != nil {
		return mcp.Config{}, err
	}
	every := s.refreshEvery
	var (
		mu     sync.Mutex
		cached *mcp.State
		loaded time.Time
	)
	state := func(ctx context.Context) (*mcp.State, error) {
		mu.Lock()
		defer mu.Unlock()
		now := time.Now().UTC()
		if cached != nil && now.Sub(loaded) < every {
			return cached, nil
		}
		b, err := source.Load(ctx, now)
		if err != nil {
			if cached != nil {
				fmt.Fprintf(e.stderr, "prodready mcp: warning: reloading %s failed, answering from the load of %s: %v\n", source.Describe(), loaded.Format(time.RFC3339), err)
				return cached, nil
			}
			return nil, fmt.Errorf("read %s: %w", source.Describe(), err)
		}
		for _, f := range b.Findings {
			fmt.Fprintln(e.stderr, f)
		}
		ev := b.Evaluate(now)
		xs, ok := loadExemptions(e.stderr, s.exemptions, now)
		if !ok {
			return nil, fmt.Errorf("PRODREADY_EXEMPTIONS has errors (on prodready's stderr); fix the file")
		}
		applyExemptions(e.stderr, ev, append(xs, approvedExemptions(ctx, e.stderr, s, now)...))
		cached = &mcp.State{Evaluation: ev, Teams: b.Teams, EntityURL: b.EntityURL,
			Target: func(sc *scorecard.Scorecard) string { return targets.For(sc.Identifier) }}
		loaded = now
		return cached, nil
	}
	return mcp.Config{State: state, Version: version}, nil
}

type nopWriteCloser struct{ io.Writer }

func (nopWriteCloser) Close() error { return nil }

// serveMCP serves the MCP tools at /mcp on serve's listener, behind
// PRODREADY_MCP_TOKEN, from the evaluation the bot holds.
func serveMCP(s *settings, cfg slackapp.Config, b *slackapp.Bot) error {
	if s.mcpToken == "" {
		return nil
	}
	targets, err := report.ParseTargets(s.jobs.TargetLevel)
	if err != nil {
		return err
	}
	mc := mcp.Config{Version: version,
		State: func(context.Context) (*mcp.State, error) {
			cur := b.Holder().Current()
			if cur == nil {
				return nil, errors.New("the catalog is still loading")
			}
			return &mcp.State{Evaluation: cur.Evaluation, Teams: cur.Bundle.Teams, EntityURL: cur.Bundle.EntityURL,
				Target: func(sc *scorecard.Scorecard) string { return targets.For(sc.Identifier) }}, nil
		}}
	if cfg.Store != nil {
		mc.LastCI = cfg.Store.LatestCIResults
	}
	h, err := mcp.Handler(mc, s.mcpToken)
	if err != nil {
		return err
	}
	b.AddRoute(mcpPath, h)
	cfg.Log.Info("MCP endpoint on " + mcpPath + " (PRODREADY_MCP_TOKEN)")
	return nil
}

// mcpPath is where serve answers MCP clients.
const mcpPath = "/mcp"
