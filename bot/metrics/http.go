package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// serverMetrics are the HTTP server's and the build's.
type serverMetrics struct {
	buildInfo *prometheus.GaugeVec     // version, revision, goversion
	requests  *prometheus.CounterVec   // route, code
	latency   *prometheus.HistogramVec // route
}

func newServerMetrics(reg prometheus.Registerer) *serverMetrics {
	s := &serverMetrics{
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "prodready_build_info",
			Help: "Always 1; the labels say which build of prodready runs: its version, VCS revision and Go version.",
		}, []string{"version", "revision", "goversion"}),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodready_http_requests_total",
			Help: "HTTP requests served, by route (the handler's pattern, not the raw path) and status code.",
		}, []string{"route", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "prodready_http_request_duration_seconds",
			Help: "Time to answer an HTTP request, by route. Slack gives up on an answer after 3 s.",
			// Around Slack's 3 s deadline, where a slash command's answer must fall.
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5, 10},
		}, []string{"route"}),
	}
	reg.MustRegister(s.buildInfo, s.requests, s.latency)
	return s
}

// SetBuildInfo records which build runs, as prodready_build_info's labels.
// An empty value is reported as "unknown", so the series always has its
// three labels.
func (m *Metrics) SetBuildInfo(version, revision, goVersion string) {
	if m == nil {
		return
	}
	or := func(s string) string {
		if s == "" {
			return "unknown"
		}
		return s
	}
	m.server.buildInfo.Reset()
	m.server.buildInfo.WithLabelValues(or(version), or(revision), or(goVersion)).Set(1)
}

// Route counts and times the requests h answers under the route's name:
// a fixed name such as the pattern it is registered at, never the request's
// path, which would let any caller add series. Register each handler of
// the server through it:
//
//	mux.Handle(CommandPath, m.Route(CommandPath, handler))
//
// On a nil *Metrics it returns h unchanged.
func (m *Metrics) Route(route string, h http.Handler) http.Handler {
	if m == nil {
		return h
	}
	labels := prometheus.Labels{"route": route}
	return promhttp.InstrumentHandlerDuration(m.server.latency.MustCurryWith(labels),
		promhttp.InstrumentHandlerCounter(m.server.requests.MustCurryWith(labels), h))
}
