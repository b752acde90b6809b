// Package metrics is what one prodready process exposes on /metrics. It
// counts what it is told; it imports none of the packages it measures, so
// each of them can report to it without depending on the others.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is what one process exposes on /metrics. Each process makes its
// own, over its own registry, so tests can run several side by side.
//
// Every method is safe on a nil *Metrics and does nothing: code paths that
// run without metrics (prodready run, tests) need no checks.
type Metrics struct {
	reg *prometheus.Registry

	evaluations    *prometheus.CounterVec   // outcome
	evalDuration   prometheus.Histogram     // seconds
	failingRules   *prometheus.GaugeVec     // scorecard
	slackPosts     *prometheus.CounterVec   // outcome
	portRequests   *prometheus.CounterVec   // status
	portLatency    *prometheus.HistogramVec // status class
	apiRequests    *prometheus.CounterVec   // api, method, status
	apiLatency     *prometheus.HistogramVec // api, status class
	jobRuns        *prometheus.CounterVec   // job, outcome
	jobLastSuccess *prometheus.GaugeVec     // job
	leader         prometheus.Gauge
	server         *serverMetrics
}

// NewMetrics makes the metrics of one process, with the Go runtime's and
// the process's own.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		evaluations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodready_evaluations_total",
			Help: "Catalog loads and evaluations, by outcome (ok, error).",
		}, []string{"outcome"}),
		evalDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "prodready_evaluation_duration_seconds",
			Help:    "Time to load the catalog and evaluate every scorecard.",
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		failingRules: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "prodready_failing_rules",
			Help: "Failing rule results (entity x rule) in the latest evaluation, per scorecard.",
		}, []string{"scorecard"}),
		slackPosts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodready_slack_posts_total",
			Help: "Messages posted to Slack, by outcome (sent, rate_limited, client_error, server_error, transport).",
		}, []string{"outcome"}),
		portRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodready_port_requests_total",
			Help: "HTTP requests to Port's API, by status code (0: no response).",
		}, []string{"status"}),
		portLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "prodready_port_request_duration_seconds",
			Help:    "Latency of requests to Port's API, by status class (2xx, 4xx, 5xx, error).",
			Buckets: prometheus.DefBuckets,
		}, []string{"class"}),
		apiRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodready_api_requests_total",
			Help: "HTTP requests to the APIs read (port, backstage, github, pagerduty), retries and token requests included, by API, method and status code (0: no response).",
		}, []string{"api", "method", "status"}),
		apiLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "prodready_api_request_duration_seconds",
			Help:    "Latency of requests to the APIs read, by API and status class (2xx, 3xx, 4xx, 5xx, error).",
			Buckets: prometheus.DefBuckets,
		}, []string{"api", "class"}),
		jobRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "prodready_job_runs_total",
			Help: "Scheduled job runs, by job and outcome (ok, error).",
		}, []string{"job", "outcome"}),
		jobLastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "prodready_job_last_success_timestamp_seconds",
			Help: "Unix time of each job's last successful run.",
		}, []string{"job"}),
		leader: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "prodready_leader",
			Help: "1 while this replica holds the leadership and runs the scheduled jobs, else 0.",
		}),
	}
	m.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		m.evaluations, m.evalDuration, m.failingRules, m.slackPosts,
		m.portRequests, m.portLatency, m.apiRequests, m.apiLatency, m.jobRuns, m.jobLastSuccess, m.leader,
	)
	m.server = newServerMetrics(m.reg)
	return m
}

// Registry is where the metrics live, for tests and extra collectors.
func (m *Metrics) Registry() *prometheus.Registry {
	if m == nil {
		return nil
	}
	return m.reg
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// SetLeader records whether this replica is the leader.
func (m *Metrics) SetLeader(leader bool) {
	if m == nil {
		return
	}
	if leader {
		m.leader.Set(1)
	} else {
		m.leader.Set(0)
	}
}

// ObserveEvaluation records one catalog load and evaluation.
func (m *Metrics) ObserveEvaluation(d time.Duration, err error) {
	if m == nil {
		return
	}
	m.evaluations.WithLabelValues(outcome(err)).Inc()
	m.evalDuration.Observe(d.Seconds())
}

// SetFailingRules replaces the failing-rule counts with those of the latest
// evaluation, so a scorecard that disappears stops being reported.
func (m *Metrics) SetFailingRules(perScorecard map[string]int) {
	if m == nil {
		return
	}
	m.failingRules.Reset()
	for sc, n := range perScorecard {
		m.failingRules.WithLabelValues(sc).Set(float64(n))
	}
}

// SlackPost records one attempt to post a message, by outcome.
func (m *Metrics) SlackPost(outcome string) {
	if m == nil {
		return
	}
	m.slackPosts.WithLabelValues(outcome).Inc()
}

// PortRequest records one HTTP exchange with Port; status 0 means no
// response (transport error, timeout).
func (m *Metrics) PortRequest(status int, d time.Duration) {
	if m == nil {
		return
	}
	m.portRequests.WithLabelValues(strconv.Itoa(status)).Inc()
	m.portLatency.WithLabelValues(statusClass(status)).Observe(d.Seconds())
}

// ObserveRequest records one HTTP exchange with an API read: "port",
// "backstage", "github", "pagerduty" (their clients' httpclient.Observer);
// status 0 means no response. Port's are also counted in its own series.
func (m *Metrics) ObserveRequest(api, method string, status int, d time.Duration) {
	if m == nil {
		return
	}
	m.apiRequests.WithLabelValues(api, method, strconv.Itoa(status)).Inc()
	m.apiLatency.WithLabelValues(api, statusClass(status)).Observe(d.Seconds())
	if api == "port" {
		m.PortRequest(status, d)
	}
}

func statusClass(status int) string {
	if status >= 100 {
		return strconv.Itoa(status/100) + "xx"
	}
	return "error"
}

// JobRun records one run of a scheduled job that ended at end.
func (m *Metrics) JobRun(job string, end time.Time, err error) {
	if m == nil {
		return
	}
	m.jobRuns.WithLabelValues(job, outcome(err)).Inc()
	if err == nil {
		m.jobLastSuccess.WithLabelValues(job).Set(float64(end.UnixNano()) / 1e9)
	}
}

func outcome(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// PortTransport counts and times every HTTP exchange with Port, retries
// included, around base (http.DefaultTransport when nil), as
// ObserveRequest does for api "port". The clients take the Metrics itself
// as their observer (port.WithObserver and the others).
func (m *Metrics) PortTransport(base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	if m == nil {
		return base
	}
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		start := time.Now()
		resp, err := base.RoundTrip(r)
		status := 0
		if err == nil {
			status = resp.StatusCode
		}
		m.ObserveRequest("port", r.Method, status, time.Since(start))
		return resp, err
	})
}

// Outcomes of a Slack post (SlackPost), as the Slack notifier classifies them.
const (
	PostSent        = "sent"
	PostRateLimited = "rate_limited"
	PostClientError = "client_error"
	PostServerError = "server_error"
	PostTransport   = "transport"
)

// roundTripFunc is an http.RoundTripper made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
