package metrics

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
)

// family finds a metric family by name in what /metrics would serve.
func family(t *testing.T, m *Metrics, name string) *dto.MetricFamily {
	t.Helper()
	fams, err := m.Registry().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

func labels(pm *dto.Metric) map[string]string {
	out := map[string]string{}
	for _, l := range pm.GetLabel() {
		out[l.GetName()] = l.GetValue()
	}
	return out
}

func TestRouteCountsAndTimesByRouteAndCode(t *testing.T) {
	m := New()
	ok := m.Route("/slack/commands", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	denied := m.Route("/api/results", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
	for range 3 {
		ok.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodPost, "/slack/commands?x=1", nil))
	}
	rec := httptest.NewRecorder()
	denied.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/results/anything-a-caller-invents", nil))
	if rec.Code != http.StatusUnauthorized {
		t.Fatalf("the wrapped handler's status was changed to %d", rec.Code)
	}

	cases := []struct {
		route, code string
		want        float64
	}{
		{"/slack/commands", "200", 3},
		{"/api/results", "401", 1},
	}
	reqs := family(t, m, "prodready_http_requests_total")
	if reqs == nil || len(reqs.GetMetric()) != len(cases) {
		t.Fatalf("prodready_http_requests_total: %v, want %d series", reqs, len(cases))
	}
	for _, tc := range cases {
		found := false
		for _, pm := range reqs.GetMetric() {
			if l := labels(pm); l["route"] == tc.route && l["code"] == tc.code {
				found = true
				if got := pm.GetCounter().GetValue(); got != tc.want {
					t.Errorf("%s %s: %v requests, want %v", tc.route, tc.code, got, tc.want)
				}
			}
		}
		if !found {
			t.Errorf("no series for route %s code %s", tc.route, tc.code)
		}
	}
	lat := family(t, m, "prodready_http_request_duration_seconds")
	if lat == nil {
		t.Fatal("no prodready_http_request_duration_seconds")
	}
	counts := map[string]uint64{}
	for _, pm := range lat.GetMetric() {
		counts[labels(pm)["route"]] = pm.GetHistogram().GetSampleCount()
	}
	if counts["/slack/commands"] != 3 || counts["/api/results"] != 1 || len(counts) != 2 {
		t.Errorf("latency samples by route %v, want /slack/commands 3, /api/results 1", counts)
	}
}

func TestRouteOnNilMetricsIsTheHandler(t *testing.T) {
	var m *Metrics
	called := false
	h := m.Route("/x", http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/x", nil))
	if !called {
		t.Error("the handler was not called")
	}
	m.SetBuildInfo("1.0.0", "abc", "go1.26.0") // no panic
}

func TestBuildInfo(t *testing.T) {
	cases := []struct {
		name                      string
		version, revision, goVer  string
		wantVersion, wantRevision string
	}{
		{"release", "1.4.0", "0123456789abcdef", "go1.26.0", "1.4.0", "0123456789abcdef"},
		{"no revision known", "dev", "", "go1.26.0", "dev", "unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := New()
			m.SetBuildInfo("stale", "stale", "stale") // replaced, not added to
			m.SetBuildInfo(tc.version, tc.revision, tc.goVer)
			f := family(t, m, "prodready_build_info")
			if f == nil || len(f.GetMetric()) != 1 {
				t.Fatalf("prodready_build_info: %v, want one series", f)
			}
			pm := f.GetMetric()[0]
			l := labels(pm)
			if l["version"] != tc.wantVersion || l["revision"] != tc.wantRevision || l["goversion"] != tc.goVer || pm.GetGauge().GetValue() != 1 {
				t.Errorf("prodready_build_info %v = %v", l, pm.GetGauge().GetValue())
			}
			rec := httptest.NewRecorder()
			m.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
			if !strings.Contains(rec.Body.String(), `prodready_build_info{goversion="`+tc.goVer+`"`) {
				t.Errorf("/metrics does not serve prodready_build_info:\n%s", rec.Body.String())
			}
		})
	}
}
