package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-resty/resty/v2"

	"github.com/prodready/prodready/bot/ciapi"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/retryafter"
)

// reportTo holds check's flags for pushing the result to a running serve.
type reportTo struct {
	url, commit, pipelineURL string
}

func (r *reportTo) register(fs *flag.FlagSet) {
	fs.StringVar(&r.url, "report-to", "", "also post the --format json result to the prodready serve at `URL` (POST URL"+ciapi.ResultsPath+", with PRODREADY_API_TOKEN as bearer token); a failed post is a warning on stderr and does not change the exit status")
	fs.StringVar(&r.commit, "commit", "", "with --report-to, the commit checked (`SHA`); default $GITHUB_SHA or $CI_COMMIT_SHA")
	fs.StringVar(&r.pipelineURL, "pipeline-url", "", "with --report-to, the CI run's `URL`; default $GITHUB_SERVER_URL/$GITHUB_REPOSITORY/actions/runs/$GITHUB_RUN_ID or $CI_PIPELINE_URL")
}

// ciVariables are the CI's own variables check reads for the defaults of
// --commit and --pipeline-url (GitHub Actions, GitLab CI): the CI sets
// them, so they are not prodready settings and not in the table.
func ciVariables() []string {
	return []string{"GITHUB_SHA", "CI_COMMIT_SHA", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "CI_PIPELINE_URL"}
}

// resolve checks --report-to and fills the commit and pipeline from the
// CI's variables where the flags are not given.
func (r *reportTo) resolve(getenv func(string) string) error {
	if r.url == "" {
		return nil
	}
	u, err := url.Parse(r.url)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("--report-to %q: want the http(s) URL of a prodready serve, like https://prodready.example.com", r.url)
	}
	if r.commit == "" {
		r.commit = firstSet(getenv("GITHUB_SHA"), getenv("CI_COMMIT_SHA"))
	}
	if r.pipelineURL == "" {
		server, repo, run := getenv("GITHUB_SERVER_URL"), getenv("GITHUB_REPOSITORY"), getenv("GITHUB_RUN_ID")
		if server != "" && repo != "" && run != "" {
			r.pipelineURL = strings.TrimRight(server, "/") + "/" + repo + "/actions/runs/" + run
		} else {
			r.pipelineURL = getenv("CI_PIPELINE_URL")
		}
	}
	return nil
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// reportClient posts results; its waits are fields so tests need not sleep.
type reportClient struct {
	retries      int
	wait, maxGap time.Duration
	timeout      time.Duration // per attempt
}

func (e *env) reportClient() reportClient {
	if e.report != nil {
		return *e.report
	}
	return reportClient{retries: 3, wait: time.Second, maxGap: 10 * time.Second, timeout: 30 * time.Second}
}

// post sends the result of ev over entities to r.url: the --format json
// document with the commit and pipeline. Rate limits, server errors and
// network errors are retried a bounded number of times; the error names
// the endpoint and what serve answered, never the token.
func (c reportClient) post(ctx context.Context, r *reportTo, token string, ev *scorecard.Evaluation, entities []int) (int, error) {
	endpoint := strings.TrimRight(r.url, "/") + ciapi.ResultsPath
	if token == "" {
		return 0, fmt.Errorf("not posted to %s: PRODREADY_API_TOKEN is not set", endpoint)
	}
	var doc bytes.Buffer
	if err := writeCheckJSON(&doc, ev, entities); err != nil {
		return 0, fmt.Errorf("not posted to %s: %w", endpoint, err)
	}
	body, err := json.Marshal(ciapi.ResultsPush{Commit: r.commit, PipelineURL: r.pipelineURL, Result: doc.Bytes()})
	if err != nil {
		return 0, fmt.Errorf("not posted to %s: %w", endpoint, err)
	}
	if len(body) > ciapi.MaxResultsBody {
		return 0, fmt.Errorf("not posted to %s: the result is %d bytes, more than the %d serve takes; check fewer services", endpoint, len(body), ciapi.MaxResultsBody)
	}
	rc := resty.New().
		SetTimeout(c.timeout).
		SetRetryCount(c.retries).
		SetRetryWaitTime(c.wait).
		SetRetryMaxWaitTime(c.maxGap).
		SetRetryAfter(func(_ *resty.Client, resp *resty.Response) (time.Duration, error) {
			return retryAfter(resp.Header().Get("Retry-After"), c.maxGap), nil
		}).
		AddRetryCondition(func(resp *resty.Response, err error) bool {
			if err != nil {
				return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
			}
			s := resp.StatusCode()
			return s == http.StatusTooManyRequests || s >= 500
		})
	rc.SetLogger(quietLogger{})
	var answer struct {
		Recorded int    `json:"recorded"`
		Error    string `json:"error"`
	}
	resp, err := rc.R().SetContext(ctx).
		SetAuthToken(token).
		SetHeader("Content-Type", "application/json").
		SetHeader("User-Agent", "prodready").
		SetBody(body).
		SetResult(&answer).SetError(&answer).
		Post(endpoint)
	if err != nil {
		return 0, fmt.Errorf("not posted to %s: %w", endpoint, err)
	}
	if resp.StatusCode() != http.StatusOK {
		why := answer.Error
		if why == "" {
			why = strings.TrimSpace(cutBytes(resp.Body(), 200))
		}
		return 0, fmt.Errorf("not recorded by %s: %s: %s", endpoint, resp.Status(), why)
	}
	return answer.Recorded, nil
}

func cutBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[:n]
	}
	return string(b)
}

// retryAfter is a Retry-After, capped; 0 lets resty back off
// exponentially with jitter.
func retryAfter(v string, limit time.Duration) time.Duration {
	return min(retryafter.Parse(v, time.Now()), limit)
}

// quietLogger drops resty's own log lines: check reports the outcome once.
type quietLogger struct{}

func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Debugf(string, ...any) {}
