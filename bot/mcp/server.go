// Package mcp serves prodready's results to coding assistants over the
// Model Context Protocol: read-only tools that answer what a service
// fails, what a team owns and what a scorecard asks, from the evaluation
// the bot holds (serve) or one made for the call (prodready mcp).
package mcp

import (
	"context"
	"crypto/subtle"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard"
)

// State is what the tools answer from: one evaluation and what goes with it.
type State struct {
	Evaluation *scorecard.Evaluation
	Teams      []scorecard.Team
	// EntityURL links to an entity in its source's UI; nil when none.
	EntityURL func(e *scorecard.Entity) string
	// Target is the level counted as done, per scorecard identifier, or
	// for all under ""; a scorecard with none has its top level.
	Target func(sc *scorecard.Scorecard) string
}

// Config is what the server needs.
type Config struct {
	// State returns the current evaluation; it is asked once per call.
	State func(ctx context.Context) (*State, error)
	// LastCI, when set, returns the latest CI results pushed for a service.
	LastCI func(ctx context.Context, service string) ([]history.CIResult, error)
	// Version is prodready's, reported to clients.
	Version string
}

// NewServer returns an MCP server with prodready's tools.
func NewServer(cfg Config) *sdk.Server {
	s := sdk.NewServer(&sdk.Implementation{Name: "prodready", Title: "prodready", Version: cfg.Version}, &sdk.ServerOptions{
		Instructions: "prodready evaluates production-readiness scorecards (levels such as Bronze, Silver, Gold made of rules) over a company's service catalog. " +
			"Use get_service to see what a service fails and how to fix it, list_services to find services by team, scorecard or level, " +
			"get_team for a team's services, and explain_scorecard for what a scorecard's rules ask.",
	})
	t := tools{cfg: cfg}
	addTool(s, &sdk.Tool{
		Name:  "get_service",
		Title: "A service's production readiness",
		Description: "Returns one service's level on every scorecard that applies to it, each rule's status (SUCCESS or FAILURE), " +
			"why a failing rule fails (the value the service has and what the rule needs), how to fix it, exemptions in force, " +
			"the next level and the rules to fix to reach it, and the latest CI result when one was pushed. " +
			"The service is named by identifier or title, in any case.",
		InputSchema: object(map[string]any{
			"service": str("the service's identifier or title, any case (for example payments-api)"),
		}, "service"),
	}, t.getService)
	addTool(s, &sdk.Tool{
		Name:  "list_services",
		Title: "Services by team, scorecard or level",
		Description: "Lists services with their level on each scorecard and how many rules they fail. Filters: team (identifier or name), " +
			"scorecard (identifier; needed with level or below_level when there is more than one), level (exactly at it), " +
			"below_level (below it). Paged: at most limit (default 100, at most 1000) services from offset; next_offset is set when more remain.",
		InputSchema: object(map[string]any{
			"team":        str("only this team's services (identifier or name, any case)"),
			"scorecard":   str("only services this scorecard applies to (its identifier)"),
			"level":       str("only services at exactly this level of the scorecard (a level title, any case)"),
			"below_level": str("only services below this level of the scorecard (a level title, any case)"),
			"limit":       map[string]any{"type": "integer", "minimum": 1, "maximum": maxLimit, "description": "at most this many services (default 100)"},
			"offset":      map[string]any{"type": "integer", "minimum": 0, "description": "skip this many services (from next_offset)"},
		}),
	}, t.listServices)
	addTool(s, &sdk.Tool{
		Name:        "get_team",
		Title:       "A team's services",
		Description: "Returns a team's services with their level on each scorecard and their failing rules, and the team's level mix per scorecard. The team is named by identifier or name, in any case.",
		InputSchema: object(map[string]any{"team": str("the team's identifier or name, any case")}, "team"),
	}, t.getTeam)
	addTool(s, &sdk.Tool{
		Name:  "explain_scorecard",
		Title: "What a scorecard asks",
		Description: "Returns a scorecard's levels in order and, for each level, the rules a service must pass to reach it, " +
			"with what each rule's conditions need and the rule's description. With no scorecard, lists the scorecards.",
		InputSchema: object(map[string]any{"scorecard": str("the scorecard's identifier or title; omit to list the scorecards")}),
	}, t.explainScorecard)
	return s
}

// Handler serves the MCP server over streamable HTTP behind a bearer
// token: a missing or wrong token gets 401 before any MCP is spoken.
func Handler(cfg Config, token string) (http.Handler, error) {
	if token == "" {
		return nil, errors.New("no token: the MCP endpoint is never served without one")
	}
	server := NewServer(cfg)
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return server }, &sdk.StreamableHTTPOptions{
		SessionTimeout: 30 * time.Minute,
	})
	want := []byte("Bearer " + token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got := []byte(r.Header.Get("Authorization"))
		if subtle.ConstantTimeCompare(got, want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="prodready"`)
			http.Error(w, "401 unauthorized: send Authorization: Bearer <PRODREADY_MCP_TOKEN>", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	}), nil
}

// Run serves the MCP server on in and out (a process's stdin and stdout)
// until the client leaves.
func Run(ctx context.Context, cfg Config, in io.ReadCloser, out io.WriteCloser) error {
	return NewServer(cfg).Run(ctx, &sdk.IOTransport{Reader: in, Writer: out})
}

func fold(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
