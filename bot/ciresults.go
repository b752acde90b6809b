package bot

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/report/history"
)

// ResultsPath receives results pushed from CI (`prodready check --report-to`).
const ResultsPath = "/api/results"

// MaxResultsBody bounds a pushed result: the JSON of a check over a few
// thousand services fits; a runaway client does not fill the memory.
const MaxResultsBody = 8 << 20

// ciStore is what the bot needs of the history for results pushed from
// CI; *history.Store has it.
type ciStore interface {
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

// resultsHandler records pushed results; it is served only when an API
// token is configured.
type resultsHandler struct {
	bot   *Bot
	token [sha256.Size]byte
	store ciStore
}

func (h *resultsHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxResultsBody))
	if err != nil {
		if mb, ok := errors.AsType[*http.MaxBytesError](err); ok {
			apiError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", mb.Limit))
			return
		}
		apiError(w, http.StatusBadRequest, "reading the body: "+err.Error())
		return
	}
	rs, err := parseResultsPush(body, h.bot.now())
	if err != nil {
		apiError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := h.store.RecordCIResults(r.Context(), rs); err != nil {
		h.bot.log.Error("could not record results pushed from CI", "err", err)
		apiError(w, http.StatusServiceUnavailable, "could not record the results; try again")
		return
	}
	h.bot.log.Info("recorded results pushed from CI", "results", len(rs))
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, "{\"recorded\":%d}\n", len(rs))
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

// lastCI returns what CI last reported for service, or nothing when there
// is no store or it does not answer in time: an answer never waits on it.
func (b *Bot) lastCI(ctx context.Context, service string) []history.CIResult {
	if b.ci == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	rs, err := b.ci.LatestCIResults(ctx, service)
	if err != nil {
		b.log.Warn("could not read the last CI results", "service", service, "err", err)
		return nil
	}
	return rs
}

// lastCILine is "Last CI check: Silver, 2 h ago, commit abc1234
// (pipeline)", linking to the pipeline; scorecards are named when there are
// several, and runs that differ are listed apart.
func lastCILine(rs []history.CIResult, titles func(id string) string, now time.Time) string {
	if len(rs) == 0 {
		return ""
	}
	type run struct {
		commit, url string
		at          time.Time
	}
	var order []run
	levels := map[run][]string{}
	for _, r := range rs {
		k := run{r.Commit, r.PipelineURL, r.ReceivedAt}
		if _, ok := levels[k]; !ok {
			order = append(order, k)
		}
		l := "*" + blockkit.Esc(blockkit.Cut(r.Level, 40)) + "*"
		if len(rs) > 1 {
			l += " on " + blockkit.Esc(blockkit.Cut(titles(r.Scorecard), 60))
		}
		levels[k] = append(levels[k], l)
	}
	var parts []string
	for _, k := range order {
		p := strings.Join(levels[k], ", ") + ", " + agoShort(now.Sub(k.at))
		if k.commit != "" {
			c := k.commit
			if len(c) > 7 && isHex(c) {
				c = c[:7]
			}
			p += ", commit " + blockkit.Code(c)
		}
		if k.url != "" {
			p += " (" + blockkit.Link(k.url, "pipeline") + ")"
		}
		parts = append(parts, p)
	}
	return blockkit.Cut("Last CI check: "+strings.Join(parts, " · "), blockkit.MaxSectionText)
}

func isHex(s string) bool {
	return !strings.ContainsFunc(s, func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
	})
}

// agoShort is "just now", "5 min ago", "2 h ago", "3 d ago".
func agoShort(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 48*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	}
	return fmt.Sprintf("%d d ago", int(d/(24*time.Hour)))
}
