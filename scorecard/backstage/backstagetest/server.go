// Package backstagetest is an emulator of Backstage's catalog API for
// tests, as net/http/httptest is for HTTP: NewServer starts it on 127.0.0.1
// with an in-memory catalog of any size. GET /api/catalog/entities/by-query
// answers as Backstage does: filter sets (conditions joined by commas must
// all match, repeated filter parameters are alternatives, keys and values
// compared case-insensitively over the flattened entity, arrays of strings
// matching both key=item and key.item=true, relations.<type>=<ref>), fields
// projection, limit with opaque cursors that carry the filter (a filter sent
// beside a cursor is ignored, as Backstage ignores it), totalItems and
// pageInfo, and Backstage's {"error", "request", "response"} errors. Faults
// are injected on demand: any status (401, 403, 429, 5xx) with Retry-After,
// slow answers, latency on every page, and cursors that repeat or never
// end. Every request is recorded. Its contract test checks it against
// Backstage's OpenAPI description.
package backstagetest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/emulator"
)

// DefaultLimit is Backstage's page size when the request names none.
const DefaultLimit = 20

// QueryPath is the full path of the listing the emulator serves.
const QueryPath = backstage.CatalogPath + backstage.QueryPath

// CursorMode makes the emulator's paging misbehave.
type CursorMode int

// Cursor modes.
const (
	CursorNormal CursorMode = iota
	// CursorRepeat hands out the same nextCursor on every page.
	CursorRepeat
	// CursorEndless hands out a new nextCursor on every page, for ever, with
	// no items once the catalog is exhausted.
	CursorEndless
)

// Server is a running emulator. Its methods are safe for concurrent use
// and may change its data at any time. The kit's (Inject, Requests,
// ResetRequests, SetLatency) come from emulator.Base.
type Server struct {
	*emulator.Base
	URL string

	mu         sync.Mutex
	token      string
	entities   []stored
	cursorMode CursorMode
}

// stored is an entity as JSON data, with its search index.
type stored struct {
	data   map[string]any
	search map[string][]string // lower-case key -> lower-case values
}

// Option configures a Server.
type Option func(*Server)

// WithToken makes the emulator require "Authorization: Bearer token".
func WithToken(token string) Option { return func(s *Server) { s.token = token } }

// WithRecordBodies keeps every answer's body in Requests.
func WithRecordBodies() Option { return func(s *Server) { s.SetRecordBodies(true) } }

// NewServer starts an emulator on 127.0.0.1. Close it when done.
func NewServer(opts ...Option) *Server {
	s := &Server{}
	s.Base = emulator.NewBase(emulator.Options{Name: "backstagetest", Fail: s.faultAnswer})
	for _, o := range opts {
		o(s)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+QueryPath, s.byQuery)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, http.StatusNotFound, "NotFoundError", fmt.Sprintf("No route for %s %s", r.Method, r.URL.Path))
	})
	s.URL = s.Start(s.guard(mux))
	return s
}

// SetEntities replaces the catalog. Entities are stored as their JSON, so
// later changes to ents do not reach the emulator.
func (s *Server) SetEntities(ents []backstage.Entity) error {
	st := make([]stored, 0, len(ents))
	for i := range ents {
		raw, err := json.Marshal(&ents[i])
		if err != nil {
			return fmt.Errorf("backstagetest: entity %d: %w", i+1, err)
		}
		var m map[string]any
		if err := json.Unmarshal(raw, &m); err != nil {
			return fmt.Errorf("backstagetest: entity %d: %w", i+1, err)
		}
		st = append(st, stored{data: m, search: searchIndex(m)})
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entities = st
	return nil
}

// SetCursorMode makes paging misbehave (or behave again).
func (s *Server) SetCursorMode(m CursorMode) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cursorMode = m
}

// Count is how many requests the emulator received.
func (s *Server) Count() int { return s.Total() }

// errorNames are the error names Backstage's backend gives each status.
var errorNames = map[int]string{
	http.StatusBadRequest:          "InputError",
	http.StatusUnauthorized:        "AuthenticationError",
	http.StatusForbidden:           "NotAllowedError",
	http.StatusNotFound:            "NotFoundError",
	http.StatusConflict:            "ConflictError",
	http.StatusTooManyRequests:     "TooManyRequestsError",
	http.StatusServiceUnavailable:  "ServiceUnavailableError",
	http.StatusInternalServerError: "Error",
}

// faultAnswer is Backstage's error for an injected status.
func (s *Server) faultAnswer(w http.ResponseWriter, r *http.Request, status int, msg string) {
	name := errorNames[status]
	if name == "" {
		name = "Error"
	}
	if msg == "" {
		msg = "injected: " + http.StatusText(status)
	}
	s.fail(w, r, status, name, msg)
}

// guard refuses a request without the token, when the emulator has one.
func (s *Server) guard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		token := s.token
		s.mu.Unlock()
		if token != "" {
			got, ok := emulator.Credential(r, "Bearer")
			switch {
			case !ok:
				s.fail(w, r, http.StatusUnauthorized, "AuthenticationError", "Missing credentials")
				return
			case got != token:
				s.fail(w, r, http.StatusUnauthorized, "AuthenticationError", "Illegal token")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (s *Server) fail(w http.ResponseWriter, r *http.Request, status int, name, msg string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"error":    map[string]any{"name": name, "message": msg},
		"request":  map[string]any{"method": r.Method, "url": r.URL.RequestURI()},
		"response": map[string]any{"statusCode": status},
	})
}

// cursor is what the emulator's opaque cursors hold, as Backstage's hold
// the query they continue.
type cursor struct {
	Filter [][]string `json:"f,omitempty"`
	Offset int        `json:"o"`
	N      int        `json:"n,omitempty"` // endless mode's page number
}

func encodeCursor(c cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	var c cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(b, &c)
}

func (s *Server) byQuery(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := DefaultLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(w, r, http.StatusBadRequest, "InputError", fmt.Sprintf("Invalid limit, not a non-negative integer: %q", v))
			return
		}
		limit = n
	}
	var cur cursor
	if c := q.Get("cursor"); c != "" {
		var err error
		if cur, err = decodeCursor(c); err != nil {
			s.fail(w, r, http.StatusBadRequest, "InputError", "Malformed cursor: "+err.Error())
			return
		}
	} else {
		for _, raw := range q["filter"] {
			set, err := parseFilterSet(raw)
			if err != nil {
				s.fail(w, r, http.StatusBadRequest, "InputError", err.Error())
				return
			}
			cur.Filter = append(cur.Filter, set)
		}
		if v := q.Get("offset"); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				s.fail(w, r, http.StatusBadRequest, "InputError", fmt.Sprintf("Invalid offset, not a non-negative integer: %q", v))
				return
			}
			cur.Offset = n
		}
	}
	var fields [][]string
	for _, raw := range q["fields"] {
		for _, f := range strings.Split(raw, ",") {
			if f = strings.TrimSpace(f); f != "" {
				fields = append(fields, strings.Split(f, "."))
			}
		}
	}

	s.mu.Lock()
	mode := s.cursorMode
	matched := make([]map[string]any, 0, limit)
	total := 0
	for i := range s.entities {
		if !matches(&s.entities[i], cur.Filter) {
			continue
		}
		if total >= cur.Offset && len(matched) < limit {
			matched = append(matched, s.entities[i].data)
		}
		total++
	}
	s.mu.Unlock()

	items := make([]any, len(matched))
	for i, m := range matched {
		items[i] = project(m, fields)
	}
	page := map[string]any{}
	if end := cur.Offset + len(matched); end < total {
		page["nextCursor"] = encodeCursor(cursor{Filter: cur.Filter, Offset: end})
	}
	if cur.Offset > 0 {
		page["prevCursor"] = encodeCursor(cursor{Filter: cur.Filter, Offset: max(cur.Offset-limit, 0)})
	}
	switch mode {
	case CursorRepeat:
		page["nextCursor"] = encodeCursor(cursor{Filter: cur.Filter, Offset: 0})
	case CursorEndless:
		page["nextCursor"] = encodeCursor(cursor{Filter: cur.Filter, Offset: cur.Offset + len(matched), N: cur.N + 1})
	}
	emulator.CountItems(r, len(items))
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(map[string]any{"items": items, "totalItems": total, "pageInfo": page})
}

// parseFilterSet reads one filter parameter into "key" or "key=value"
// conditions, lower-cased as Backstage compares them.
func parseFilterSet(raw string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, has := strings.Cut(part, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if k == "" {
			return nil, fmt.Errorf("invalid filter, %q has no key", part)
		}
		if has {
			out = append(out, k+"="+strings.ToLower(strings.TrimSpace(v)))
		} else {
			out = append(out, k)
		}
	}
	return out, nil
}

// matches: no filter matches all; else any set whose conditions all hold.
func matches(e *stored, filter [][]string) bool {
	if len(filter) == 0 {
		return true
	}
	for _, set := range filter {
		ok := true
		for _, c := range set {
			k, v, has := strings.Cut(c, "=")
			vals, exists := e.search[k]
			if !exists || (has && !containsString(vals, v)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// searchIndex flattens an entity as Backstage's search table does: every
// scalar under its dotted path, arrays descended into, an array's strings
// also as "path.item" = "true", relations as "relations.<type>" =
// "<targetRef>", and the default namespace when none is given.
func searchIndex(m map[string]any) map[string][]string {
	idx := map[string][]string{}
	add := func(k, v string) {
		k = strings.ToLower(k)
		idx[k] = append(idx[k], strings.ToLower(v))
	}
	var visit func(path string, v any)
	visit = func(path string, v any) {
		switch t := v.(type) {
		case nil:
			add(path, "")
		case string:
			add(path, t)
		case bool:
			add(path, strconv.FormatBool(t))
		case float64:
			add(path, strconv.FormatFloat(t, 'f', -1, 64))
		case []any:
			for _, it := range t {
				visit(path, it)
				if s, ok := it.(string); ok {
					add(path+"."+s, "true")
				}
			}
		case map[string]any:
			for k, x := range t {
				p := k
				if path != "" {
					p = path + "." + k
				}
				if path == "" && (k == "relations" || k == "status" || k == "attachments") {
					continue
				}
				visit(p, x)
			}
		}
	}
	visit("", m)
	if rels, ok := m["relations"].([]any); ok {
		for _, r := range rels {
			rm, _ := r.(map[string]any)
			typ, _ := rm["type"].(string)
			target, _ := rm["targetRef"].(string)
			if typ != "" && target != "" {
				add("relations."+typ, target)
			}
		}
	}
	if _, ok := idx["metadata.namespace"]; !ok {
		add("metadata.namespace", backstage.DefaultNamespace)
	}
	return idx
}

// project keeps only the fields' subtrees of m; no fields keeps it whole.
func project(m map[string]any, fields [][]string) map[string]any {
	if len(fields) == 0 {
		return m
	}
	out := map[string]any{}
	for _, path := range fields {
		if covered(path, fields) {
			continue // a shorter field keeps this subtree already
		}
		var src any = m
		found := true
		for _, p := range path {
			mm, ok := src.(map[string]any)
			if !ok {
				found = false
				break
			}
			if src, ok = mm[p]; !ok {
				found = false
				break
			}
		}
		if !found {
			continue
		}
		dst := out
		for _, p := range path[:len(path)-1] {
			next, ok := dst[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				dst[p] = next
			}
			dst = next
		}
		dst[path[len(path)-1]] = src
	}
	return out
}

// covered: another field is a strict prefix of path. Skipping those means
// project only ever writes into maps it made, never into the stored entity.
func covered(path []string, fields [][]string) bool {
	for _, f := range fields {
		if len(f) < len(path) && strings.Join(f, ".") == strings.Join(path[:len(f)], ".") {
			return true
		}
	}
	return false
}
