package porttest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/emulator"
)

// searchBody is the body of POST /v1/blueprints/{bp}/entities/search.
type searchBody struct {
	Query   json.RawMessage `json:"query"`
	Include []string        `json:"include"`
	Exclude []string        `json:"exclude"`
	Limit   *float64        `json:"limit"`
	From    *string         `json:"from"`
}

// Port's page limits (OpenAPI: limit 1..1000, default 200).
const (
	defaultLimit = 200
	maxLimit     = 1000
)

func (s *Server) search(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("bp")
	var body searchBody
	if err := strictJSON(r, &body); err != nil {
		s.fail(w, r, http.StatusUnprocessableEntity, "invalid_request", "body/"+err.Error())
		return
	}
	limit := defaultLimit
	if body.Limit != nil {
		l := *body.Limit
		if l < 1 || l > maxLimit || l != float64(int(l)) {
			s.fail(w, r, http.StatusUnprocessableEntity, "invalid_request", fmt.Sprintf("body/limit must be an integer from 1 to %d (got %v)", maxLimit, l))
			return
		}
		limit = int(l)
	}
	if len(body.Query) > 0 && !bytes.Equal(bytes.TrimSpace(body.Query), []byte("null")) {
		// The client under test never filters server-side; refuse rather than
		// pretend, so that a test relying on it fails loudly.
		s.fail(w, r, http.StatusUnprocessableEntity, "invalid_request", "porttest does not implement search queries")
		return
	}
	s.mu.Lock()
	b, ok := s.blueprints[id]
	if !ok {
		s.mu.Unlock()
		s.notFoundBlueprint(w, r, id)
		return
	}
	off := 0
	if body.From != nil {
		c, ok := s.cursors[*body.From]
		if !ok || c.blueprint != id {
			s.mu.Unlock()
			s.fail(w, r, http.StatusUnprocessableEntity, "invalid_request", "body/from is not a cursor this search returned")
			return
		}
		off = c.offset
	}
	end := min(off+limit, len(b.entities))
	page := b.entities[off:end]
	next := ""
	if end < len(b.entities) {
		next = emulator.RandomString(32) // opaque: nothing in it says where the page starts
		s.cursors[next] = cursor{blueprint: id, offset: end}
	}
	s.mu.Unlock()

	sel := newSelection(body.Include, body.Exclude)
	var buf bytes.Buffer
	buf.Grow(len(page) * 256)
	buf.WriteString(`{"ok":true,"entities":[`)
	for i := range page {
		if i > 0 {
			buf.WriteByte(',')
		}
		data, err := json.Marshal(sel.entity(&page[i]))
		if err != nil {
			panic(err)
		}
		buf.Write(data)
	}
	buf.WriteString("]")
	if next != "" {
		fmt.Fprintf(&buf, `,"next":%q`, next)
	}
	buf.WriteString("}\n")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// selection is what include/exclude let through. Properties and relations
// are named by identifier, meta-properties with "$" (OpenAPI, entities/search);
// "scorecards" names Port's computed results.
type selection struct {
	all      bool
	include  map[string]bool
	excluded map[string]bool
}

func newSelection(include, exclude []string) selection {
	s := selection{all: len(include) == 0, include: map[string]bool{}, excluded: map[string]bool{}}
	for _, k := range include {
		s.include[k] = true
	}
	for _, k := range exclude {
		s.excluded[k] = true
	}
	return s
}

func (s selection) has(key string) bool {
	return (s.all || s.include[key]) && !s.excluded[key]
}

// outEntity is an entity as the search returns it.
type outEntity struct {
	Identifier string                          `json:"identifier,omitempty"`
	Title      *string                         `json:"title,omitempty"`
	Icon       string                          `json:"icon,omitempty"`
	Blueprint  string                          `json:"blueprint,omitempty"`
	Team       *[]string                       `json:"team,omitempty"` // a pointer, so that an included empty team reads []
	Properties map[string]any                  `json:"properties,omitempty"`
	Relations  map[string]any                  `json:"relations,omitempty"`
	CreatedAt  string                          `json:"createdAt,omitempty"`
	CreatedBy  string                          `json:"createdBy,omitempty"`
	UpdatedAt  string                          `json:"updatedAt,omitempty"`
	UpdatedBy  string                          `json:"updatedBy,omitempty"`
	Scorecards map[string]scorecard.PortResult `json:"scorecards,omitempty"`
}

func (s selection) entity(e *scorecard.Entity) outEntity {
	var o outEntity
	if s.has("$identifier") {
		o.Identifier = e.Identifier
	}
	if s.has("$title") {
		t := e.Title
		o.Title = &t
	}
	if s.has("$icon") {
		o.Icon = e.Icon
	}
	if s.has("$blueprint") {
		o.Blueprint = e.Blueprint
	}
	if s.has("$team") {
		team := []string(e.Team)
		if team == nil {
			team = []string{}
		}
		o.Team = &team
	}
	if s.has("$createdAt") {
		o.CreatedAt = e.CreatedAt
	}
	if s.has("$createdBy") {
		o.CreatedBy = e.CreatedBy
	}
	if s.has("$updatedAt") {
		o.UpdatedAt = e.UpdatedAt
	}
	if s.has("$updatedBy") {
		o.UpdatedBy = e.UpdatedBy
	}
	if s.has("scorecards") {
		o.Scorecards = e.Scorecards
	}
	o.Properties = s.pick(e.Properties)
	o.Relations = s.pick(e.Relations)
	return o
}

func (s selection) pick(m map[string]any) map[string]any {
	if s.all && len(s.excluded) == 0 {
		return m
	}
	var out map[string]any
	for k, v := range m {
		if strings.HasPrefix(k, "$") || !s.has(k) {
			continue
		}
		if out == nil {
			out = make(map[string]any, len(s.include))
		}
		out[k] = v
	}
	return out
}
