package port_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/port"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

// Should Port refuse the include list built from the scorecards (400/422
// on the first page), the client fetches whole entities rather than fail;
// a refusal later in the paging is an error as before.
func TestSearchFallsBackToWholeEntities(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	const path = "/v1/blueprints/service/entities/search"
	for _, tc := range []struct {
		name   string
		fault  emulator.Fault
		wantOK bool
	}{
		{"422 on the first page", emulator.Fault{Method: http.MethodPost, Path: path, Status: http.StatusUnprocessableEntity}, true},
		{"400 on the first page", emulator.Fault{Method: http.MethodPost, Path: path, Status: http.StatusBadRequest}, true},
		{"422 on the second page", emulator.Fault{Method: http.MethodPost, Path: path, Status: http.StatusUnprocessableEntity, Skip: 1}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newEmulator(t, 1500, now, porttest.WithRecordBodies())
			c := port.New(testConfig(srv))
			scs, _, err := c.FetchScorecards(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			srv.ResetRequests()
			srv.Inject(tc.fault)
			ents, err := c.FetchEntities(context.Background(), scs)
			if (err == nil) != tc.wantOK {
				t.Fatalf("error %v; want success %v", err, tc.wantOK)
			}
			if !tc.wantOK {
				return
			}
			if len(ents) != 1500 {
				t.Fatalf("%d entities, want 1500", len(ents))
			}
			reqs := srv.RequestsTo(http.MethodPost, path)
			var first, retried struct {
				Include []string `json:"include"`
			}
			if len(reqs) < 2 || json.Unmarshal(reqs[0].Body, &first) != nil || json.Unmarshal(reqs[1].Body, &retried) != nil {
				t.Fatalf("requests %d", len(reqs))
			}
			if len(first.Include) == 0 || retried.Include != nil {
				t.Errorf("include %v, then %v; want a list, then none", first.Include, retried.Include)
			}
		})
	}
}
