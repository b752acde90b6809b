package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/prodready/prodready/report/gate"
	"github.com/prodready/prodready/scorecard"
)

const actionScript = "../../deploy/github-action/run.sh"

// actionRun is one run of the action's script as the runner would make it.
type actionRun struct {
	code                      int
	stdout, stderr            string
	summary, outputs          string
	workspace, runnerTemp     string
	stdoutLines, errorTitles  []string
	warningTitles, noticeBody []string
}

// runAction runs deploy/github-action/run.sh with a fresh workspace,
// $GITHUB_STEP_SUMMARY and $GITHUB_OUTPUT, the given variables and PATH.
func runAction(t *testing.T, vars map[string]string) actionRun {
	t.Helper()
	script, err := filepath.Abs(actionScript)
	if err != nil {
		t.Fatal(err)
	}
	r := actionRun{workspace: t.TempDir(), runnerTemp: t.TempDir()}
	files := t.TempDir()
	summary, outputs := filepath.Join(files, "step_summary"), filepath.Join(files, "output")
	for _, f := range []string{summary, outputs} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "GITHUB_STEP_SUMMARY=" + summary, "GITHUB_OUTPUT=" + outputs, "RUNNER_TEMP=" + r.runnerTemp,
		"GOCACHE=" + goEnv(t, "GOCACHE"), "GOMODCACHE=" + goEnv(t, "GOMODCACHE"), "GOTOOLCHAIN=local"}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	cmd := exec.Command("bash", script)
	cmd.Dir = r.workspace
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err = cmd.Run()
	r.code = cmd.ProcessState.ExitCode()
	if err != nil && r.code < 0 {
		t.Fatalf("run.sh: %v", err)
	}
	r.stdout, r.stderr = out.String(), errb.String()
	s, _ := os.ReadFile(summary)
	o, _ := os.ReadFile(outputs)
	r.summary, r.outputs = string(s), string(o)
	for _, l := range strings.Split(r.stdout, "\n") {
		if m := ghCommand.FindStringSubmatch(l); m != nil {
			switch m[1] {
			case "error":
				r.errorTitles = append(r.errorTitles, ghUnescape(m[2]))
			case "warning":
				r.warningTitles = append(r.warningTitles, ghUnescape(m[2]))
			case "notice":
				r.noticeBody = append(r.noticeBody, ghUnescape(m[3]))
			}
		} else if l != "" {
			r.stdoutLines = append(r.stdoutLines, l)
		}
	}
	return r
}

func goEnv(t *testing.T, name string) string {
	t.Helper()
	out, err := exec.Command("go", "env", name).Output()
	if err != nil {
		t.Fatalf("go env %s: %v", name, err)
	}
	return strings.TrimSpace(string(out))
}

func (r actionRun) String() string {
	return fmt.Sprintf("exit %d\nstdout:\n%s\nstderr:\n%s\nsummary:\n%s\noutputs:\n%s", r.code, r.stdout, r.stderr, r.summary, r.outputs)
}

// TestAction runs the action's script: first as the action does without a
// version (it builds prodready from this repository), then with that
// binary on the demo, a catalog from Port (the emulator), a baseline, and a
// release served on loopback.
func TestAction(t *testing.T) {
	if testing.Short() {
		t.Skip("builds prodready: skipped with -short")
	}
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash to run the action's script")
	}
	build := runAction(t, map[string]string{"ACTION_REF": "v0-test", "GITHUB_ACTION_PATH": mustAbs(t, "../.."),
		"GITHUB_REPOSITORY": "example/payments-api", "INPUT_SCORECARD": "production_readiness", "INPUT_MIN_LEVEL": "Silver"})
	bin := filepath.Join(build.runnerTemp, "prodready-build", "prodready")
	if build.code != 0 || !strings.Contains(build.stderr, "building prodready from") {
		t.Fatalf("build from source: %s", build)
	}
	if v, err := exec.Command(bin, "version").Output(); err != nil || strings.TrimSpace(string(v)) != "prodready v0-test" {
		t.Errorf("the built binary says %q (%v), want the action's ref", v, err)
	}

	t.Run("the repository's service below the bar", func(t *testing.T) {
		r := runAction(t, map[string]string{"PRODREADY_BIN": bin, "GITHUB_REPOSITORY": "example/refunds-worker", "INPUT_MIN_LEVEL": "Silver", "INPUT_SCORECARD": "production_readiness"})
		if r.code != 1 {
			t.Fatalf("want exit 1: %s", r)
		}
		sort.Strings(r.errorTitles)
		if strings.Join(r.errorTitles, "\n") != "refunds-worker: Code-owner review required (Silver)\nrefunds-worker: Has a README (Bronze)\nrefunds-worker: Pull requests need an approval (Silver)" {
			t.Errorf("error annotations %q", r.errorTitles)
		}
		if len(r.warningTitles) != 2 || len(r.noticeBody) != 1 || !strings.HasPrefix(r.noticeBody[0], "1 of 1 service below Silver") || len(r.stdoutLines) != 0 {
			t.Errorf("warnings %q, notices %q, other stdout %q", r.warningTitles, r.noticeBody, r.stdoutLines)
		}
		for _, want := range []string{"## prodready check\n\n❌ 1 of 1 service below Silver", "| refunds-worker | payments | ❌ Basic (3/8) |",
			"#### refunds-worker — Production Readiness: Basic", "| Bronze | Has a README (`has_readme`) | readme is not set |", "**Next:** to reach Bronze, fix 1 rule: Has a README."} {
			if !strings.Contains(r.summary, want) {
				t.Errorf("summary lacks %q\n%s", want, r.summary)
			}
		}
		if r.outputs != "level=Basic\nlevels={\"production_readiness\":\"Basic\"}\npassed=false\nregressions=0\n" {
			t.Errorf("outputs:\n%s", r.outputs)
		}
		if !strings.Contains(r.stderr, "repository example/refunds-worker: refunds-worker (relation repository)") {
			t.Errorf("stderr does not say how the service was found:\n%s", r.stderr)
		}
	})

	t.Run("listed services at the bar", func(t *testing.T) {
		r := runAction(t, map[string]string{"PRODREADY_BIN": bin, "INPUT_SERVICES": " payments-api,\nCheckout Web\n", "INPUT_MIN_LEVEL": "Silver", "INPUT_SCORECARD": "production_readiness"})
		if r.code != 0 || len(r.errorTitles) != 0 || !strings.Contains(r.summary, "✅ 2 services at or above Silver") ||
			!strings.HasPrefix(r.outputs, "level=Silver\n") || !strings.Contains(r.outputs, "passed=true\n") {
			t.Errorf("%s", r)
		}
	})

	t.Run("files from the workspace and a baseline", func(t *testing.T) {
		ws := t.TempDir()
		defs := filepath.Join(ws, "scorecards.json")
		cat := filepath.Join(ws, "catalog.json")
		base := filepath.Join(ws, "baseline.json")
		os.WriteFile(defs, []byte(baselineScorecard), 0o644)
		os.WriteFile(cat, []byte(`[{"identifier":"web","properties":{"github.com/project-slug":"octo/web","approvals":1}}]`), 0o644)
		in := map[string]string{"PRODREADY_BIN": bin, "GITHUB_REPOSITORY": "octo/web", "INPUT_CATALOG": cat, "INPUT_SCORECARDS": defs, "INPUT_MIN_LEVEL": "Silver"}
		in["INPUT_WRITE_BASELINE"] = base
		r := runAction(t, in)
		if r.code != 1 || !strings.Contains(r.outputs, "level=Basic\n") {
			t.Fatalf("below Silver without a baseline: %s", r)
		}
		delete(in, "INPUT_WRITE_BASELINE")
		in["INPUT_BASELINE"] = base
		r = runAction(t, in)
		if r.code != 0 || !strings.Contains(r.summary, "✅ nothing got worse since the baseline "+base) || !strings.Contains(r.outputs, "passed=true\nregressions=0\n") {
			t.Errorf("unchanged against the baseline: %s", r)
		}
		os.WriteFile(cat, []byte(`[{"identifier":"web","properties":{"github.com/project-slug":"octo/web","approvals":0}}]`), 0o644)
		r = runAction(t, in)
		if r.code != 1 || !strings.Contains(r.summary, "### Got worse since the baseline") || !strings.Contains(r.outputs, "passed=false\nregressions=1\n") ||
			len(r.errorTitles) != 1 || r.errorTitles[0] != "web: Approvals (Silver)" {
			t.Errorf("a rule regressed: %s", r)
		}
	})

	t.Run("Port inputs", func(t *testing.T) {
		srv, vars := portFixture(t)
		r := runAction(t, map[string]string{"PRODREADY_BIN": bin, "GITHUB_REPOSITORY": "example/payments-api",
			"INPUT_PORT_CLIENT_ID": vars["PORT_CLIENT_ID"], "INPUT_PORT_CLIENT_SECRET": vars["PORT_CLIENT_SECRET"], "INPUT_PORT_API_URL": srv.URL,
			"INPUT_MIN_LEVEL": "Silver"})
		if r.code != 0 || !strings.Contains(r.stderr, "reading Port ("+srv.URL) || !strings.Contains(r.outputs, `levels={"ownership":`) {
			t.Errorf("%s", r)
		}
		if strings.Contains(r.String(), vars["PORT_CLIENT_SECRET"]) {
			t.Error("the Port client secret was written")
		}
	})

	t.Run("report-to", func(t *testing.T) {
		srv, st, _ := serveResults(t, 0, 0)
		r := runAction(t, map[string]string{"PRODREADY_BIN": bin, "GITHUB_REPOSITORY": "example/payments-api", "GITHUB_SHA": "abc1234def",
			"GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "77", "INPUT_REPORT_TO": srv.URL, "INPUT_API_TOKEN": reportToken})
		if r.code != 0 || !strings.Contains(r.stderr, "posted to "+srv.URL) {
			t.Errorf("%s", r)
		}
		if strings.Contains(r.String(), reportToken) {
			t.Error("the API token was written")
		}
		rs, err := st.LatestCIResults(context.Background(), "payments-api")
		if err != nil || len(rs) == 0 || rs[0].Commit != "abc1234def" || rs[0].PipelineURL != "https://github.com/example/payments-api/actions/runs/77" {
			t.Errorf("recorded %+v, %v", rs, err)
		}
	})

	t.Run("no service to check", func(t *testing.T) {
		r := runAction(t, map[string]string{"PRODREADY_BIN": bin})
		if r.code != 2 || !strings.Contains(r.stderr, "::error title=prodready action::no services input and no GITHUB_REPOSITORY") {
			t.Errorf("%s", r)
		}
	})

	t.Run("a pinned release", func(t *testing.T) {
		if _, err := exec.LookPath("curl"); err != nil {
			t.Skip("no curl to download with")
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			t.Fatal(err)
		}
		arch := map[string]string{"amd64": "X64", "arm64": "ARM64"}[runtime.GOARCH]
		if runtime.GOOS != "linux" || arch == "" {
			t.Skipf("the release test serves a linux binary; this is %s/%s", runtime.GOOS, runtime.GOARCH)
		}
		asset := "prodready-linux-" + runtime.GOARCH
		sums := fmt.Sprintf("%x  %s\n", sha256.Sum256(data), asset)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/v1.2.3/" + asset, "/v6.6.6/" + asset, "/v7.7.7/" + asset:
				w.Write(data)
			case "/v1.2.3/SHA256SUMS":
				w.Write([]byte(sums))
			case "/v6.6.6/SHA256SUMS":
				w.Write([]byte(strings.Repeat("0", 64) + "  " + asset + "\n"))
			case "/v7.7.7/SHA256SUMS":
				w.Write([]byte(strings.Repeat("0", 64) + "  prodready-plan9-amd64\n"))
			default:
				http.NotFound(w, r)
			}
		}))
		defer srv.Close()
		base := map[string]string{"PRODREADY_RELEASES_URL": srv.URL, "RUNNER_OS": "Linux", "RUNNER_ARCH": arch, "INPUT_SERVICES": "payments-api"}
		with := func(k, v string) map[string]string {
			m := map[string]string{k: v}
			for k, v := range base {
				m[k] = v
			}
			return m
		}
		if r := runAction(t, with("INPUT_VERSION", "v1.2.3")); r.code != 0 || !strings.Contains(r.stderr, "using release 1.2.3") || !strings.Contains(r.outputs, "passed=true") {
			t.Errorf("release 1.2.3: %s", r)
		}
		if r := runAction(t, with("INPUT_VERSION", "6.6.6")); r.code != 2 || !strings.Contains(r.stderr, "does not match its SHA256SUMS") || r.outputs != "" {
			t.Errorf("a binary that does not match its checksum must not run: %s", r)
		}
		if r := runAction(t, with("INPUT_VERSION", "7.7.7")); r.code != 2 || !strings.Contains(r.stderr, "has no line for "+asset) || r.outputs != "" {
			t.Errorf("a binary that SHA256SUMS does not list must not run: %s", r)
		}
		// No such release and no Go on PATH: a clear error rather than a build.
		noGo := with("INPUT_VERSION", "9.9.9")
		noGo["PATH"] = "/usr/bin:/bin"
		if _, err := os.Stat("/usr/bin/go"); err == nil {
			t.Skip("go is in /usr/bin: cannot hide it")
		}
		if r := runAction(t, noGo); r.code != 2 || !strings.Contains(r.stderr, "release 9.9.9 has no binary for") || !strings.Contains(r.stderr, "no Go to build prodready with") {
			t.Errorf("missing release without Go: %s", r)
		}
	})
}

func mustAbs(t *testing.T, p string) string {
	t.Helper()
	a, err := filepath.Abs(p)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// TestActionMetadata keeps action.yml, the script and check's outputs in
// step: every input reaches the script, and every output is one check writes.
func TestActionMetadata(t *testing.T) {
	data, err := os.ReadFile("../../action.yml")
	if err != nil {
		t.Fatal(err)
	}
	var action struct {
		Name, Description string
		Inputs            map[string]struct{ Description, Default string }
		Outputs           map[string]struct{ Description, Value string }
		Runs              struct {
			Using string
			Steps []struct {
				ID, Uses, Run, If string
				With              map[string]string
				Env               map[string]string
			}
		}
	}
	if err := yaml.Unmarshal(data, &action); err != nil {
		t.Fatalf("action.yml: %v", err)
	}
	script, err := os.ReadFile(actionScript)
	if err != nil {
		t.Fatal(err)
	}
	steps := action.Runs.Steps
	if action.Name == "" || action.Description == "" || action.Runs.Using != "composite" || len(steps) < 2 {
		t.Fatalf("action.yml: %+v", action)
	}
	setup, step := steps[0], steps[len(steps)-1]
	// setup-go v6 runs on Node 24 (v5 on Node 20, which GitHub retires).
	if !strings.HasPrefix(setup.Uses, "actions/setup-go@v6") || setup.If != "inputs.version == ''" || setup.With["go-version-file"] != "${{ github.action_path }}/go.mod" {
		t.Errorf("setup step %+v", setup)
	}
	// Go's caches are kept by a key over the action's own go.sum (setup-go's
	// cache looks for it in the workspace only), on actions/cache v5 (Node 24).
	cached := false
	for _, st := range steps[1 : len(steps)-1] {
		if st.If != "inputs.version == ''" {
			t.Errorf("step %+v runs also when a release is downloaded", st)
		}
		if strings.HasPrefix(st.Uses, "actions/cache@") {
			cached = strings.HasPrefix(st.Uses, "actions/cache@v5") && st.With["key"] != "" && st.With["path"] != ""
		}
	}
	if !cached || setup.With["cache"] != "false" || !strings.Contains(string(data), "$GITHUB_ACTION_PATH/go.sum") {
		t.Errorf("the build from source keeps no Go cache keyed on the action's go.sum: %+v", steps)
	}
	if step.ID != "check" || !strings.Contains(step.Run, "deploy/github-action/run.sh") {
		t.Errorf("check step %+v", step)
	}
	for name, in := range action.Inputs {
		env := "INPUT_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
		if in.Description == "" {
			t.Errorf("input %s has no description", name)
		}
		if step.Env[env] != "${{ inputs."+name+" }}" {
			t.Errorf("input %s does not reach the script as %s", name, env)
		}
		if !bytes.Contains(script, []byte(env)) {
			t.Errorf("run.sh does not read %s", env)
		}
	}
	for env := range step.Env {
		if name, ok := strings.CutPrefix(env, "INPUT_"); ok {
			if _, def := action.Inputs[strings.ToLower(strings.ReplaceAll(name, "_", "-"))]; !def {
				t.Errorf("%s is not an input", env)
			}
		}
	}
	// The example workflow uses the action with inputs it has, and its outputs.
	examples, _ := filepath.Glob("../../examples/workflows/*.yml")
	if len(examples) == 0 {
		t.Error("no example workflow in examples/workflows")
	}
	for _, ex := range examples {
		data, err := os.ReadFile(ex)
		if err != nil {
			t.Fatal(err)
		}
		var wf struct {
			Jobs map[string]struct {
				Steps []struct {
					ID   string
					Uses string
					With map[string]string
				}
			}
		}
		if err := yaml.Unmarshal(data, &wf); err != nil {
			t.Fatalf("%s: %v", ex, err)
		}
		used := false
		for _, job := range wf.Jobs {
			for _, st := range job.Steps {
				if !strings.HasPrefix(st.Uses, "prodready/prodready@") {
					continue
				}
				used = true
				for k := range st.With {
					if _, ok := action.Inputs[k]; !ok {
						t.Errorf("%s: input %q is not in action.yml", ex, k)
					}
				}
				for _, m := range regexp.MustCompile(`steps\.`+st.ID+`\.outputs\.([a-z]+)`).FindAllStringSubmatch(string(data), -1) {
					if _, ok := action.Outputs[m[1]]; !ok {
						t.Errorf("%s: output %q is not in action.yml", ex, m[1])
					}
				}
			}
		}
		if !used {
			t.Errorf("%s does not use the action", ex)
		}
	}
	// The outputs are the keys `check --github-output` writes.
	var buf bytes.Buffer
	run, err := gate.NewRun(&scorecard.Evaluation{}, nil, nil, "", nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := run.WriteOutputs(&buf, true); err != nil {
		t.Fatal(err)
	}
	written := regexp.MustCompile(`(?m)^([a-z]+)=`).FindAllStringSubmatch(buf.String(), -1)
	if len(written) != len(action.Outputs) {
		t.Errorf("check writes %d outputs, action.yml declares %d", len(written), len(action.Outputs))
	}
	for _, m := range written {
		if o := action.Outputs[m[1]]; o.Value != "${{ steps.check.outputs."+m[1]+" }}" || o.Description == "" {
			t.Errorf("output %s: %+v", m[1], o)
		}
	}
}
