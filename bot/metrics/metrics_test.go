package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// Every API's requests show on /metrics, Port's in its own series too.
func TestObserveRequest(t *testing.T) {
	m := New()
	m.ObserveRequest("github", "GET", 200, 10*time.Millisecond)
	m.ObserveRequest("github", "GET", 304, time.Millisecond)
	m.ObserveRequest("pagerduty", "GET", 0, time.Second)
	m.ObserveRequest("backstage", "GET", 503, time.Millisecond)
	m.ObserveRequest("port", "POST", 429, time.Millisecond)
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{
		`prodready_api_requests_total{api="github",method="GET",status="200"} 1`,
		`prodready_api_requests_total{api="github",method="GET",status="304"} 1`,
		`prodready_api_requests_total{api="pagerduty",method="GET",status="0"} 1`,
		`prodready_api_requests_total{api="backstage",method="GET",status="503"} 1`,
		`prodready_api_requests_total{api="port",method="POST",status="429"} 1`,
		`prodready_api_request_duration_seconds_count{api="github",class="3xx"} 1`,
		`prodready_api_request_duration_seconds_count{api="pagerduty",class="error"} 1`,
		`prodready_port_requests_total{status="429"} 1`,
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	var none *Metrics
	none.ObserveRequest("github", "GET", 200, time.Second) // safe on nil
}
