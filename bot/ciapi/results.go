// Package ciapi is POST /api/results: results `prodready check --report-to`
// pushes from CI, recorded in the history for the answers to show.
package ciapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// ResultsPath receives results pushed from CI (`prodready check --report-to`).
const ResultsPath = "/api/results"

// MaxResultsBody bounds a pushed result: the JSON of a check over a few
// thousand services fits; a runaway client does not fill the memory.
const MaxResultsBody = 8 << 20

// Store is what the endpoint and the answers need of the history for
// results pushed from CI; *history.Store has it.
type Store interface {
	RecordCIResults(ctx context.Context, rs []history.CIResult) error
	LatestCIResults(ctx context.Context, service string) ([]history.CIResult, error)
}

// ResultsPush is the body of POST /api/results: the document `prodready
// check --format json` writes, as Result, with where it was made.
type ResultsPush struct {
	Commit      string          `json:"commit"`
	PipelineURL string          `json:"pipeline_url"`
	Result      json.RawMessage `json:"result"`
}

// pushedCheck is what the endpoint reads of the check document; the rest
// (rules, reasons) is not kept.
type pushedCheck struct {
	Entities *[]struct {
		Identifier string `json:"identifier"`
		Scorecards map[string]struct {
			Level *string `json:"level"`
		} `json:"scorecards"`
	} `json:"entities"`
}

// Bounds of the fields kept, so that a result stays a line in an answer.
const (
	maxPushedID     = 256
	maxPushedCommit = 100
	maxPushedURL    = 2048
)

// Handler records pushed results; it is served only when an API token is
// configured.
type Handler struct {
	token   [sha256.Size]byte
	store   Store
	catalog func() *scorecard.Bundle
	now     func() time.Time
	log     *slog.Logger
}

// NewHandler serves POST ResultsPath: requests bearing token are recorded
// in store (nil answers 503), received at now(). Only services of the
// catalog's latest bundle, its scorecards and their levels are recorded;
// catalog returns nil until one is loaded (then 503).
func NewHandler(token string, store Store, catalog func() *scorecard.Bundle, now func() time.Time, log *slog.Logger) *Handler {
	return &Handler{token: sha256.Sum256([]byte(token)), store: store, catalog: catalog, now: now, log: log}
}

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Hashing both sides first makes the comparison's time independent of
	// the token's length too.
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	sum := sha256.Sum256([]byte(strings.TrimSpace(got)))
	if !ok || subtle.ConstantTimeCompare(sum[:], h.token[:]) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="prodready"`)
		apiError(w, http.StatusUnauthorized, "missing or wrong bearer token (PRODREADY_API_TOKEN)")
		return
	}
	if h.store == nil {
		apiError(w, http.StatusServiceUnavailable, "no history database to record results in (PRODREADY_DB)")
		return
	}
	// An announced length over the limit is refused before reading any of
	// it: a slow client must not hold the answer until the write timeout.
	if r.ContentLength > MaxResultsBody {
		tooLarge(w)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxResultsBody))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			tooLarge(w)
			return
		}
		apiError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	rs, err := parseResultsPush(body, h.now())
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	b := h.catalog()
	if b == nil || b.Catalog == nil {
		w.Header().Set("Retry-After", "60")
		apiError(w, http.StatusServiceUnavailable, "no catalog loaded yet to check the results against; try again")
		return
	}
	if rs, err = knownResults(b, rs); err != nil {
		apiError(w, http.StatusUnprocessableEntity, err.Error())
		return
	}
	if err := h.store.RecordCIResults(r.Context(), rs); err != nil {
		h.log.Error("could not record results pushed from CI", "err", err)
		apiError(w, http.StatusServiceUnavailable, "could not record the results; try again")
		return
	}
	h.log.Info("recorded results pushed from CI", "results", len(rs))
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "{\"recorded\":%d}\n", len(rs))
}

func tooLarge(w http.ResponseWriter) {
	apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", MaxResultsBody))
}

// knownResults returns rs with each service's identifier and level as the
// catalog and its scorecards spell them, or an error naming every service,
// scorecard or level they do not have: a push must not put words in the
// answers about what does not exist.
func knownResults(b *scorecard.Bundle, rs []history.CIResult) ([]history.CIResult, error) {
	cards := make(map[string]*scorecard.Scorecard, len(b.Scorecards))
	for _, sc := range b.Scorecards {
		cards[sc.Identifier] = sc
	}
	var services, scorecards, levels []string
	seen := map[string]bool{}
	note := func(list *[]string, what string) {
		if !seen[what] {
			seen[what] = true
			*list = append(*list, what)
		}
	}
	out := make([]history.CIResult, 0, len(rs))
	for _, r := range rs {
		i, ok := b.Catalog.Find(r.Service)
		if !ok || !strings.EqualFold(b.Catalog.Entities[i].Identifier, r.Service) {
			note(&services, strconv.Quote(r.Service))
			continue
		}
		r.Service = b.Catalog.Entities[i].Identifier
		sc, ok := cards[r.Scorecard]
		if !ok {
			note(&scorecards, strconv.Quote(r.Scorecard))
			continue
		}
		level := ""
		for _, l := range sc.Levels {
			if strings.EqualFold(l.Title, r.Level) {
				level = l.Title
				break
			}
		}
		if level == "" {
			note(&levels, fmt.Sprintf("%q on %q", r.Level, r.Scorecard))
			continue
		}
		r.Level = level
		out = append(out, r)
	}
	var errs []string
	if len(services) > 0 {
		errs = append(errs, "services not in the catalog: "+limitList(services))
	}
	if len(scorecards) > 0 {
		errs = append(errs, "scorecards not defined: "+limitList(scorecards))
	}
	if len(levels) > 0 {
		errs = append(errs, "levels the scorecard does not have: "+limitList(levels))
	}
	if len(errs) > 0 {
		return nil, errors.New(strings.Join(errs, "; ") + "; nothing recorded")
	}
	return out, nil
}

// limitList joins names, keeping an error about a large push short.
func limitList(names []string) string {
	const most = 20
	if len(names) <= most {
		return strings.Join(names, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(names[:most], ", "), len(names)-most)
}

func apiError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(struct {
		Error string `json:"error"`
	}{msg})
}

// parseResultsPush checks a pushed body and returns its results, one per
// service and scorecard, received at now. Its errors name the field.
func parseResultsPush(body []byte, now time.Time) ([]history.CIResult, error) {
	var p ResultsPush
	if err := strictJSON(body, &p); err != nil {
		return nil, fmt.Errorf("body is not a JSON object {commit, pipeline_url, result}: %w", err)
	}
	p.Commit = strings.TrimSpace(p.Commit)
	if len(p.Commit) > maxPushedCommit || strings.ContainsFunc(p.Commit, isSpaceOrControl) {
		return nil, fmt.Errorf("commit: want a revision of at most %d characters without spaces", maxPushedCommit)
	}
	if p.PipelineURL != "" {
		u, err := url.Parse(p.PipelineURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(p.PipelineURL) > maxPushedURL {
			return nil, fmt.Errorf("pipeline_url: want an http(s) URL of at most %d characters", maxPushedURL)
		}
	}
	if len(p.Result) == 0 || string(p.Result) == "null" {
		return nil, errors.New("result: missing; it is the document `prodready check --format json` writes")
	}
	var c pushedCheck
	if err := json.Unmarshal(p.Result, &c); err != nil {
		return nil, fmt.Errorf("result: not the document `prodready check --format json` writes: %w", err)
	}
	if c.Entities == nil {
		return nil, errors.New("result.entities: missing")
	}
	var rs []history.CIResult
	for i, e := range *c.Entities {
		if e.Identifier == "" || len(e.Identifier) > maxPushedID {
			return nil, fmt.Errorf("result.entities[%d].identifier: want 1 to %d characters", i, maxPushedID)
		}
		for sc, st := range e.Scorecards {
			if sc == "" || len(sc) > maxPushedID {
				return nil, fmt.Errorf("result.entities[%d].scorecards: a scorecard identifier of 1 to %d characters", i, maxPushedID)
			}
			if st.Level == nil || *st.Level == "" || len(*st.Level) > maxPushedID {
				return nil, fmt.Errorf("result.entities[%d].scorecards.%s.level: want 1 to %d characters", i, sc, maxPushedID)
			}
			rs = append(rs, history.CIResult{Service: e.Identifier, Scorecard: sc, Level: *st.Level,
				Commit: p.Commit, PipelineURL: p.PipelineURL, ReceivedAt: now})
		}
	}
	if len(rs) == 0 {
		return nil, errors.New("result.entities: no service with a scorecard result")
	}
	return rs, nil
}

// strictJSON decodes one JSON value into v, refusing trailing data.
func strictJSON(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}

func isSpaceOrControl(r rune) bool { return r <= ' ' || r == 0x7f }
