package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/bot/exemption"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// exemptionSettings are the PRODREADY_EXEMPTION* variables.
type exemptionSettings struct {
	file      string        // PRODREADY_EXEMPTIONS
	max       time.Duration // PRODREADY_EXEMPTION_MAX
	channel   string        // PRODREADY_EXEMPTION_CHANNEL
	approvers []string      // PRODREADY_EXEMPTION_APPROVERS: user (U/W) or user group (S) IDs
	// selfApprove is PRODREADY_EXEMPTION_SELF_APPROVE.
	selfApprove bool
}

var slackPrincipal = regexp.MustCompile(`^[UWS][A-Z0-9]{2,}$`)

// parseApprovers reads PRODREADY_EXEMPTION_APPROVERS.
func parseApprovers(v string) ([]string, error) {
	var out []string
	for _, id := range strings.Split(v, ",") {
		id = strings.TrimSpace(id)
		if !slackPrincipal.MatchString(id) {
			return nil, fmt.Errorf("PRODREADY_EXEMPTION_APPROVERS: %q is not a Slack user ID (U0123ABCD) or user group ID (S0123ABCD); separate IDs with commas", id)
		}
		out = append(out, id)
	}
	return out, nil
}

// loadExemptions reads PRODREADY_EXEMPTIONS at now, writes its warnings
// to w and returns its exemptions; ok is false when the file has an error
// (each one written, with file:line and field).
func loadExemptions(w io.Writer, x exemptionSettings, now time.Time) (xs []scorecard.Exemption, ok bool) {
	if x.file == "" {
		return nil, true
	}
	data, err := os.ReadFile(x.file)
	if err != nil {
		fmt.Fprintf(w, "prodready: PRODREADY_EXEMPTIONS: %v\n", err)
		return nil, false
	}
	xs, findings := scorecard.ParseExemptions(x.file, data, now, x.max)
	for _, f := range findings {
		fmt.Fprintln(w, f)
	}
	return xs, len(findings.Errors()) == 0
}

// applyExemptions applies xs to ev and warns about those naming a service,
// scorecard or rule that does not exist.
func applyExemptions(w io.Writer, ev *scorecard.Evaluation, xs []scorecard.Exemption) {
	for _, p := range ev.Exempt(xs) {
		fmt.Fprintf(w, "prodready: warning: %s\n", p)
	}
}

func (s *settings) exemptionConfig() exemption.Config {
	return exemption.Config{File: s.exemptions.file, Max: s.exemptions.max, Channel: s.exemptions.channel, Approvers: s.exemptions.approvers, SelfApprove: s.exemptions.selfApprove}
}

// withInteractionStore gives the bot the history for exemptions, snoozes
// and buttons, and makes its catalog carry the exemptions that count.
// Without a usable database the bot still answers, counting the
// exemptions file only; the returned func closes the store.
func withInteractionStore(ctx context.Context, s *settings, cfg *slackapp.Config) func() {
	cfg.Exemptions = s.exemptionConfig()
	cfg.Routes = s.jobs.Routes
	store, err := history.Open(ctx, s.db, history.Options{})
	if errors.Is(err, history.ErrUnreachable) || errors.Is(err, history.ErrLocked) {
		// Snoozes and POST /api/results open it on use once it answers,
		// as the scheduled jobs do.
		cfg.Log.Error("history unavailable yet: snoozes and POST /api/results open it when next used; exemptions from Slack count after a restart", "err", err)
		cfg.Source = exemption.With(cfg.Source, cfg.Exemptions, nil, cfg.Log)
		var mu sync.Mutex
		var opened *history.Store
		cfg.OpenStore = func(ctx context.Context) (*history.Store, error) {
			st, err := history.Open(ctx, s.db, history.Options{})
			if err == nil {
				mu.Lock()
				opened = st
				mu.Unlock()
			}
			return st, err
		}
		return func() {
			mu.Lock()
			defer mu.Unlock()
			if opened != nil {
				opened.Close()
			}
		}
	}
	if err != nil {
		cfg.Log.Error("history unavailable: exemptions from Slack, snoozes and exemption buttons are off", "err", err)
		cfg.Source = exemption.With(cfg.Source, cfg.Exemptions, nil, cfg.Log)
		return nil
	}
	cfg.Store = store
	cfg.Source = exemption.With(cfg.Source, cfg.Exemptions, store, cfg.Log)
	return func() { store.Close() }
}

// approvedExemptions are the exemptions approved in Slack, for check: read
// from the history only when PRODREADY_DB is set and the database exists
// (check never creates one, as in CI). A history it cannot read is a
// warning: the file's exemptions still count.
func approvedExemptions(ctx context.Context, w io.Writer, s *settings, now time.Time) []scorecard.Exemption {
	if !s.set["PRODREADY_DB"] {
		return nil
	}
	if !history.IsPostgres(s.db) {
		if _, err := os.Stat(s.db); err != nil {
			return nil
		}
	}
	store, err := history.Open(ctx, s.db, history.Options{})
	if err != nil {
		fmt.Fprintf(w, "prodready: warning: exemptions approved in Slack not read: %v\n", err)
		return nil
	}
	defer store.Close()
	xs, err := store.ActiveExemptions(ctx, now)
	if err != nil {
		fmt.Fprintf(w, "prodready: warning: exemptions approved in Slack not read: %v\n", err)
		return nil
	}
	var out []scorecard.Exemption
	for _, x := range xs {
		if x.Origin != scorecard.OriginFile { // the file's own are read from the file
			out = append(out, x)
		}
	}
	return out
}
