package main

import (
	"flag"
	"fmt"
	"net/url"
	"strings"

	"github.com/prodready/prodready/bot/ciapi"
	"github.com/prodready/prodready/report/gate"
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
// --commit and --pipeline-url (GitHub Actions, GitLab CI) and for where
// the workspace is (the file= of annotations): the CI sets them, so they
// are not prodready settings and not in the table.
func ciVariables() []string {
	return []string{"GITHUB_SHA", "CI_COMMIT_SHA", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "CI_PIPELINE_URL", "GITHUB_WORKSPACE"}
}

// resolve checks --report-to and fills the commit and pipeline from the
// CI's variables where the flags are not given.
func (r *reportTo) resolve(getenv func(string) string) error {
	if r.url == "" {
		return nil
	}
	u, err := url.Parse(r.url)
	if err == nil && u.User != nil {
		// Not shown: it holds a secret.
		return fmt.Errorf("--report-to: a URL with credentials is refused; the bearer token is PRODREADY_API_TOKEN")
	}
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

// target is where --report-to posts, with token.
func (r *reportTo) target(token string) gate.Target {
	return gate.Target{Endpoint: strings.TrimRight(r.url, "/") + ciapi.ResultsPath, Token: token,
		Commit: r.commit, PipelineURL: r.pipelineURL, MaxBody: ciapi.MaxResultsBody}
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v = strings.TrimSpace(v); v != "" {
			return v
		}
	}
	return ""
}

// poster is how --report-to posts: the tests' client, else the default.
func (e *env) poster() gate.Poster {
	if e.report != nil {
		return *e.report
	}
	return gate.DefaultPoster()
}

// reportClient is the client env.report replaces in tests.
type reportClient = gate.Poster
