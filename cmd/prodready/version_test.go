package main

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildOf(t *testing.T) {
	info := func(mod string, settings ...string) *debug.BuildInfo {
		bi := &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/prodready/prodready", Version: mod}}
		for i := 0; i+1 < len(settings); i += 2 {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: settings[i], Value: settings[i+1]})
		}
		return bi
	}
	const rev = "0123456789abcdef0123456789abcdef01234567"
	cases := []struct {
		name   string
		linked string
		info   *debug.BuildInfo
		want   build
	}{
		{"linked in wins", "1.4.0", info("v9.9.9", "vcs.revision", rev), build{"1.4.0", rev, "go1.26.0"}},
		{"module version from a tag", "", info("v9.9.9", "vcs.revision", rev, "vcs.modified", "false"), build{"v9.9.9", rev, "go1.26.0"}},
		{"go install at a pseudo-version", "", info("v0.0.0-20261208001122-0123456789ab"), build{"v0.0.0-20261208001122-0123456789ab", "", "go1.26.0"}},
		{"devel with a revision", "", info("(devel)", "vcs.revision", rev, "vcs.modified", "false"), build{"dev-0123456789ab", rev, "go1.26.0"}},
		{"devel with changes", "", info("(devel)", "vcs.revision", rev, "vcs.modified", "true"), build{"dev-0123456789ab+dirty", rev, "go1.26.0"}},
		{"nothing known", "", info("(devel)"), build{"dev", "", "go1.26.0"}},
		{"no build info", "  ", nil, build{"dev", "", ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := buildOf(tc.linked, tc.info); got != tc.want {
				t.Errorf("buildOf(%q) = %+v, want %+v", tc.linked, got, tc.want)
			}
		})
	}
}

// serve's /metrics says which build runs.
func TestServeMetricsHaveBuildInfo(t *testing.T) {
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	s, err := e.settings()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := serveConfig(e, s)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	cfg.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	b := readBuild()
	want := fmt.Sprintf(`prodready_build_info{goversion=%q,revision="unknown",version=%q} 1`, b.goVersion, b.version)
	if b.revision != "" {
		want = fmt.Sprintf(`prodready_build_info{goversion=%q,revision=%q,version=%q} 1`, b.goVersion, b.revision, b.version)
	}
	if !strings.Contains(rec.Body.String(), want) {
		t.Errorf("/metrics lacks %s:\n%s", want, rec.Body.String())
	}
}
