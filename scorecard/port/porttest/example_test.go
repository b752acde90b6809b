package porttest_test

import (
	"context"
	"fmt"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/port"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

// A test serves a catalog from the emulator, makes Port rate-limit one
// search, and reads it back with the client.
func ExampleNewServer() {
	srv := porttest.NewServer()
	defer srv.Close()
	srv.SetEntities("service", []scorecard.Entity{
		{Identifier: "payments-api", Blueprint: "service", Team: scorecard.Teams{"payments"}, Properties: map[string]any{"readme": "README.md"}},
		{Identifier: "search-api", Blueprint: "service"},
	})
	srv.SetScorecards("service", []byte(`[{"identifier": "basics", "title": "Basics", "rules": [
	  {"identifier": "readme", "title": "Has a README", "level": "Bronze",
	   "query": {"combinator": "and", "conditions": [{"property": "readme", "operator": "isNotEmpty"}]}}]}]`))
	srv.SetTeams([]porttest.Team{{Name: "payments", Emails: []string{"lead@example.com"}}})
	srv.Inject(emulator.Fault{Path: "/v1/blueprints/service/entities/search", Status: 429, RetryAfter: "0"})

	c := port.New(port.Config{ClientID: porttest.DefaultClientID, ClientSecret: porttest.DefaultClientSecret, BaseURL: srv.URL})
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b, err := port.Source{Client: c}.Load(context.Background(), now)
	if err != nil {
		fmt.Println(err)
		return
	}
	ev := b.Evaluate(now)
	for i := range b.Catalog.Entities {
		fmt.Println(b.Catalog.Entities[i].Identifier, ev.Result(i, 0).LevelName())
	}
	for _, r := range srv.RequestsTo("POST", "/v1/blueprints/service/entities/search") {
		fmt.Println("search answered", r.Status)
	}
	// Output:
	// payments-api Bronze
	// search-api Basic
	// search answered 429
	// search answered 200
}
