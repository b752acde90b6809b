package port_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/port"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFromEnv(t *testing.T) {
	base := map[string]string{"PORT_CLIENT_ID": "id-1", "PORT_CLIENT_SECRET": "hunter2-secret"}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	cases := []struct {
		name       string
		env        map[string]string
		baseURL    string
		appURL     string
		blueprint  string
		scorecards []string
		err        string
	}{
		{name: "defaults", env: base, baseURL: "https://api.port.io", appURL: "https://app.port.io", blueprint: "service"},
		{name: "us region", env: with("PORT_REGION", "us"), baseURL: "https://api.us.port.io", appURL: "https://app.us.port.io", blueprint: "service"},
		{name: "eu region", env: with("PORT_REGION", "EU"), baseURL: "https://api.port.io", appURL: "https://app.port.io", blueprint: "service"},
		{name: "bad region", env: with("PORT_REGION", "asia"), err: `PORT_REGION is "asia"`},
		{name: "api url", env: with("PORT_API_URL", "http://127.0.0.1:9999/"), baseURL: "http://127.0.0.1:9999", appURL: "https://app.port.io", blueprint: "service"},
		{name: "bad api url", env: with("PORT_API_URL", "api.port.io"), err: `PORT_API_URL is "api.port.io"`},
		{name: "api url with credentials", env: with("PORT_API_URL", "https://u:p@api.port.io"), err: "PORT_API_URL must not carry credentials"},
		{name: "blueprint and scorecards", env: with("PORT_BLUEPRINT", "microservice", "PORT_SCORECARDS", " a, b ,a"), baseURL: "https://api.port.io", appURL: "https://app.port.io", blueprint: "microservice", scorecards: []string{"a", "b"}},
		{name: "empty scorecard id", env: with("PORT_SCORECARDS", "a,,b"), err: "PORT_SCORECARDS"},
		{name: "page limit", env: with("PORT_MAX_PAGE_MB", "0"), err: `PORT_MAX_PAGE_MB is "0"`},
		{name: "page limit not a number", env: with("PORT_MAX_PAGE_MB", "64MB"), err: `PORT_MAX_PAGE_MB is "64MB"`},
		{name: "fetch timeout", env: with("PORT_FETCH_TIMEOUT", "soon"), err: `PORT_FETCH_TIMEOUT is "soon"`},
		{name: "negative fetch timeout", env: with("PORT_FETCH_TIMEOUT", "-1m"), err: `PORT_FETCH_TIMEOUT is "-1m"`},
		{name: "no id", env: map[string]string{}, err: "PORT_CLIENT_ID is not set"},
		{name: "id without secret", env: map[string]string{"PORT_CLIENT_ID": "id-1"}, err: "PORT_CLIENT_SECRET is not set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := port.ConfigFromEnv(env(tc.env))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v; want one containing %q", err, tc.err)
				}
				if strings.Contains(err.Error(), "hunter2-secret") {
					t.Errorf("error shows the secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.BaseURL != tc.baseURL || cfg.AppURL != tc.appURL || cfg.Blueprint != tc.blueprint || !slices.Equal(cfg.Scorecards, tc.scorecards) {
				t.Errorf("got %+v", cfg)
			}
			if s := fmt.Sprint(cfg) + fmt.Sprintf("%v %s", cfg, cfg); strings.Contains(s, "hunter2-secret") {
				t.Errorf("printing the config shows the secret: %s", s)
			}
		})
	}
}

// PORT_MAX_PAGE_MB and PORT_FETCH_TIMEOUT set the bounds of issue 13 #5 and #6.
func TestConfigFromEnvBounds(t *testing.T) {
	cfg, err := port.ConfigFromEnv(env(map[string]string{"PORT_CLIENT_ID": "id", "PORT_CLIENT_SECRET": "s",
		"PORT_MAX_PAGE_MB": "128", "PORT_FETCH_TIMEOUT": "1h"}))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.MaxPageBytes != 128<<20 || cfg.MaxFetchTime != time.Hour {
		t.Errorf("MaxPageBytes %d, MaxFetchTime %s", cfg.MaxPageBytes, cfg.MaxFetchTime)
	}
}
