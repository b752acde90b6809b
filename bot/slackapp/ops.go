package slackapp

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/prodready/prodready/bot/ciapi"
	"github.com/prodready/prodready/scorecard"
)

// readyTimeout bounds one readiness check: a probe that hangs is a probe
// that fails, and Kubernetes' default probe timeout is 1 s.
const readyTimeout = 900 * time.Millisecond

// readier is a companion that can tell whether what it depends on answers.
type readier interface {
	Ready(ctx context.Context) error
}

// opsRoutes adds the operations endpoints: /healthz (the process is up),
// /readyz (an evaluation is loaded and every companion's dependencies
// answer; 503 with the reason otherwise) and /metrics.
func (b *Bot) opsRoutes(mux *http.ServeMux) {
	b.route(mux, "GET /healthz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok")
	}))
	b.route(mux, "GET /readyz", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := b.Ready(r.Context()); err != nil {
			http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintf(w, "ready: evaluated %s\n", b.holder.Current().LoadedAt.UTC().Format(time.RFC3339))
	}))
	if b.cfg.Metrics != nil {
		mux.Handle("GET /metrics", b.cfg.Metrics.Handler())
	}
	// Off (404) unless a token is configured: an open endpoint would let
	// anyone write what answers show.
	if b.cfg.APIToken != "" {
		b.route(mux, "POST "+ciapi.ResultsPath, ciapi.NewHandler(b.cfg.APIToken, b.ci, b.currentBundle, b.now, b.log))
	}
	for _, r := range b.extra {
		b.route(mux, r.pattern, r.h)
	}
}

// Ready reports why the bot cannot serve yet: no evaluation loaded, or a
// companion (the scheduler's database) not answering.
func (b *Bot) Ready(ctx context.Context) error {
	if b.holder.Current() == nil {
		if err := b.holder.LastError(); err != nil {
			return fmt.Errorf("no evaluation loaded yet: %w", err)
		}
		return fmt.Errorf("no evaluation loaded yet")
	}
	ctx, cancel := context.WithTimeout(ctx, readyTimeout)
	defer cancel()
	for _, c := range b.cfg.Companions {
		if r, ok := c.(readier); ok {
			if err := r.Ready(ctx); err != nil {
				return err
			}
		}
	}
	return nil
}

// runSocketWithOps runs Socket Mode with the operations endpoints on
// PRODREADY_LISTEN_ADDR beside it: probes and scrapes still need HTTP.
func (b *Bot) runSocketWithOps(ctx context.Context, deadline *time.Time, ln net.Listener) error {
	opsCtx, stopOps := context.WithCancel(ctx)
	defer stopOps()
	opsErr := make(chan error, 1)
	go func() { opsErr <- b.runHTTP(opsCtx, deadline, b.OpsHandler(), ln) }()
	socketErr := make(chan error, 1)
	go func() { socketErr <- b.runSocket(opsCtx) }()
	select {
	case err := <-socketErr:
		stopOps()
		if herr := <-opsErr; err == nil {
			err = herr
		}
		return err
	case err := <-opsErr:
		// The HTTP server failed: no probes would pass, so do not serve at all.
		stopOps()
		<-socketErr
		return err
	}
}

// currentBundle is the bundle of the latest evaluation, nil before the first.
func (b *Bot) currentBundle() *scorecard.Bundle {
	if ev := b.holder.Current(); ev != nil {
		return ev.Bundle
	}
	return nil
}
