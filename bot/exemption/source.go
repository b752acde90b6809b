// Package exemption reads the exemptions that count (a file reviewed in
// Git, and those approved in Slack and kept in the history) into the
// bundles a source loads.
package exemption

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// Config is the PRODREADY_EXEMPTION* settings.
type Config struct {
	File      string        // PRODREADY_EXEMPTIONS: exemptions reviewed in Git; "" for none
	Max       time.Duration // PRODREADY_EXEMPTION_MAX: the longest an exemption may last
	Channel   string        // PRODREADY_EXEMPTION_CHANNEL: where requests go for approval
	Approvers []string      // PRODREADY_EXEMPTION_APPROVERS: user IDs (U…, W…) and user group IDs (S…)
	// SelfApprove (PRODREADY_EXEMPTION_SELF_APPROVE) lets an approver
	// approve their own request; off, another approver must decide.
	SelfApprove bool
}

// DefaultMax is PRODREADY_EXEMPTION_MAX's default.
const DefaultMax = 90 * 24 * time.Hour

// With wraps src so that every bundle it loads carries the
// exemptions that count: the file's, read afresh at the load's now, and
// the approved ones in the history (store may be nil: the file's only).
// The file's entries are recorded in the history with origin file. A file
// with an error fails the load, so the previous evaluation stays.
func With(src scorecard.Source, cfg Config, store *history.Store, log *slog.Logger) scorecard.Source {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return exemptingSource{Source: src, cfg: cfg, store: store, log: log}
}

type exemptingSource struct {
	scorecard.Source
	cfg   Config
	store *history.Store
	log   *slog.Logger
}

func (s exemptingSource) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	b, err := s.Source.Load(ctx, now)
	if err != nil || b == nil {
		return b, err
	}
	xs, err := ReadFile(s.cfg.File, now, s.cfg.Max, s.log)
	if err != nil {
		return nil, err
	}
	if s.store == nil {
		b.Exemptions = xs
		return b, nil
	}
	if err := s.store.SyncFileExemptions(ctx, xs, now); err != nil {
		s.log.Warn("exemptions file not recorded in the history; counting its exemptions anyway", "err", err)
	}
	active, err := s.store.ActiveExemptions(ctx, now)
	if err != nil {
		s.log.Warn("approved exemptions unreadable; counting the file's only", "err", err)
		b.Exemptions = xs
		return b, nil
	}
	b.Exemptions = active
	return b, nil
}

// ReadFile reads PRODREADY_EXEMPTIONS at now; warnings are
// logged, errors returned with file:line and field. "" is no file.
func ReadFile(file string, now time.Time, max time.Duration, log *slog.Logger) ([]scorecard.Exemption, error) {
	if file == "" {
		return nil, nil
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("exemption.Config.File: %w", err)
	}
	xs, fs := scorecard.ParseExemptions(file, data, now, max)
	var errs []error
	for _, f := range fs {
		if f.Severity == scorecard.Error {
			errs = append(errs, errors.New(f.String()))
		} else if log != nil {
			log.Warn("exemptions file", "finding", f.String())
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("exemption.Config.File: %w", errors.Join(errs...))
	}
	return xs, nil
}
