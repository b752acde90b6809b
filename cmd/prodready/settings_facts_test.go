package main

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/github"
	"github.com/prodready/prodready/scorecard/pagerduty"
)

func testPEM(t *testing.T) []byte {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(k)})
}

// The GitHub variables, as github.SettingsFromEnv checked them before they
// moved into the table.
func TestSettingsGitHub(t *testing.T) {
	pemKey := testPEM(t)
	dir := t.TempDir()
	good, bad := filepath.Join(dir, "app.pem"), filepath.Join(dir, "bad.pem")
	if err := os.WriteFile(good, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END RSA PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	flat := strings.ReplaceAll(string(pemKey), "\n", `\n`)
	app := func(kv ...string) map[string]string {
		m := map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7"}
		for i := 0; i < len(kv); i += 2 {
			if kv[i+1] == "" {
				delete(m, kv[i])
			} else {
				m[kv[i]] = kv[i+1]
			}
		}
		return m
	}
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string // "" for success
		check   func(t *testing.T, g githubSettings)
	}{
		{"not configured", map[string]string{}, "", func(t *testing.T, g githubSettings) {
			if g.on() || g.client.BaseURL != github.DefaultBaseURL || g.every != time.Hour {
				t.Errorf("%+v", g)
			}
		}},
		{"token without an organisation is not used", map[string]string{"GITHUB_TOKEN": "t0ken"}, "", func(t *testing.T, g githubSettings) {
			if g.on() {
				t.Errorf("on without PRODREADY_GITHUB_ORG: %+v", g)
			}
		}},
		{"token", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t0ken"}, "", func(t *testing.T, g githubSettings) {
			if !g.on() || g.client.Token != "t0ken" || g.client.BaseURL != github.DefaultBaseURL || g.every != time.Hour || !g.repos.All() || g.org != "acme" {
				t.Errorf("%+v", g)
			}
		}},
		{"enterprise, filter, every", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t0ken", "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
			"PRODREADY_GITHUB_REPOS": "api-*,web", "PRODREADY_GITHUB_EVERY": "30m"}, "", func(t *testing.T, g githubSettings) {
			if g.client.BaseURL != "https://ghe.example.com/api/v3" || g.every != 30*time.Minute || !g.repos.Match("API-x") || g.repos.Match("tools") {
				t.Errorf("%+v", g)
			}
		}},
		{"app with key", app("GITHUB_APP_PRIVATE_KEY", string(pemKey)), "", func(t *testing.T, g githubSettings) {
			if a := g.client.App; a == nil || a.ID != 42 || a.InstallationID != 7 || a.Key == nil {
				t.Errorf("%+v", a)
			}
		}},
		{"app with flattened key", app("GITHUB_APP_PRIVATE_KEY", flat), "", nil},
		{"app with key file", app("GITHUB_APP_PRIVATE_KEY_FILE", good), "", nil},
		{"org with slash", map[string]string{"PRODREADY_GITHUB_ORG": "acme/api", "GITHUB_TOKEN": "t0ken"}, "PRODREADY_GITHUB_ORG", nil},
		{"no credentials", map[string]string{"PRODREADY_GITHUB_ORG": "acme"}, "GITHUB_TOKEN is not", nil},
		{"bad url", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t0ken", "GITHUB_API_URL": "ghe.example.com"}, "GITHUB_API_URL", nil},
		{"url with credentials", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t0ken", "GITHUB_API_URL": "https://u:p@ghe.example.com"}, "GITHUB_API_URL must not carry credentials", nil},
		{"bad every", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t0ken", "PRODREADY_GITHUB_EVERY": "5s"}, "PRODREADY_GITHUB_EVERY", nil},
		{"bad repos pattern", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t0ken", "PRODREADY_GITHUB_REPOS": "api-[x"}, "PRODREADY_GITHUB_REPOS", nil},
		{"bad app id", app("GITHUB_APP_ID", "x", "GITHUB_APP_PRIVATE_KEY", string(pemKey)), "GITHUB_APP_ID", nil},
		{"no installation", app("GITHUB_APP_INSTALLATION_ID", "", "GITHUB_APP_PRIVATE_KEY", string(pemKey)), "GITHUB_APP_INSTALLATION_ID is not set", nil},
		{"app without organisation", app("PRODREADY_GITHUB_ORG", "", "GITHUB_APP_PRIVATE_KEY", string(pemKey)), "PRODREADY_GITHUB_ORG is not", nil},
		{"no key", app(), "GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE) is not set", nil},
		{"both keys", app("GITHUB_APP_PRIVATE_KEY", "secret-key-material-123", "GITHUB_APP_PRIVATE_KEY_FILE", good), "both set", nil},
		{"key not PEM", app("GITHUB_APP_PRIVATE_KEY", "secret-key-material-123"), "GITHUB_APP_PRIVATE_KEY is not a PEM private key", nil},
		{"key file bad", app("GITHUB_APP_PRIVATE_KEY_FILE", bad), "GITHUB_APP_PRIVATE_KEY_FILE (" + bad + ") holds an RSA PRIVATE KEY block that does not parse", nil},
		{"key file missing", app("GITHUB_APP_PRIVATE_KEY_FILE", filepath.Join(dir, "none.pem")), "GITHUB_APP_PRIVATE_KEY_FILE", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := loadSettings(envOf(tc.env))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tc.check != nil {
					tc.check(t, s.github)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v; want it to contain %q", err, tc.wantErr)
			}
			for _, secret := range []string{"secret-key-material-123", "c2VjcmV0LWtleS1ieXRlcw", "t0ken", string(pemKey[40:80])} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error echoes a secret: %v", err)
				}
			}
		})
	}
}

// The PagerDuty variables, as pagerduty.ConfigFromEnv checked them.
func TestSettingsPagerDuty(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want pagerduty.Config
		err  string
	}{
		{name: "not configured", env: map[string]string{}, want: pagerduty.Config{BaseURL: pagerduty.BaseURLUS}},
		{name: "defaults", env: map[string]string{"PAGERDUTY_TOKEN": " y_NbAkKc66ryYTWUXYEu "},
			want: pagerduty.Config{Token: "y_NbAkKc66ryYTWUXYEu", BaseURL: pagerduty.BaseURLUS}},
		{name: "EU", env: map[string]string{"PAGERDUTY_TOKEN": "k", "PAGERDUTY_API_URL": "https://api.eu.pagerduty.com/"},
			want: pagerduty.Config{Token: "k", BaseURL: pagerduty.BaseURLEU}},
		{name: "header pasted", env: map[string]string{"PAGERDUTY_TOKEN": "Token token=abcdef"}, err: "PAGERDUTY_TOKEN must be the key alone"},
		{name: "quoted", env: map[string]string{"PAGERDUTY_TOKEN": `"abcdef"`}, err: "PAGERDUTY_TOKEN contains spaces or quotes"},
		{name: "bad URL", env: map[string]string{"PAGERDUTY_TOKEN": "k", "PAGERDUTY_API_URL": "api.pagerduty.com"}, err: `PAGERDUTY_API_URL is "api.pagerduty.com"; it must be an http(s) URL`},
		{name: "credentials in URL", env: map[string]string{"PAGERDUTY_TOKEN": "k", "PAGERDUTY_API_URL": "https://u:p@api.pagerduty.com"}, err: "PAGERDUTY_API_URL must not carry credentials"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := loadSettings(envOf(tc.env))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v; want %q", err, tc.err)
				}
				if tok := tc.env["PAGERDUTY_TOKEN"]; len(tok) > 4 && strings.Contains(err.Error(), strings.Trim(tok, `"`)) {
					t.Errorf("the error shows the token: %v", err)
				}
				return
			}
			if err != nil || s.pagerduty != tc.want {
				t.Errorf("%+v, %v; want %+v", s.pagerduty, err, tc.want)
			}
		})
	}
}

func TestSettingsBackstage(t *testing.T) {
	s, err := loadSettings(envOf(map[string]string{"BACKSTAGE_URL": "https://backstage.example.com/api/catalog/", "BACKSTAGE_TOKEN": "bs-token-1",
		"BACKSTAGE_FILTER": "kind=component,spec.type=service;kind=component,spec.type=website"}))
	if err != nil {
		t.Fatal(err)
	}
	if s.backstage.BaseURL != "https://backstage.example.com" || s.backstage.Token != "bs-token-1" || len(s.backstage.Filter) != 2 {
		t.Errorf("%+v", s.backstage)
	}
	s, err = loadSettings(envOf(nil))
	if err != nil || s.backstage.BaseURL != "" || s.backstage.Filter.String() != backstage.DefaultFilter().String() {
		t.Errorf("%+v, %v", s.backstage, err)
	}
	for name, v := range map[string]string{"BACKSTAGE_URL": "backstage.example.com", "BACKSTAGE_FILTER": "kind=component,,"} {
		if _, err := loadSettings(envOf(map[string]string{name: v})); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s=%q: %v, want an error naming it", name, v, err)
		}
	}
}

// `prodready config` masks the new secrets, and the logger redacts the App
// key line by line, whether it came from the variable or the file.
func TestFactsSecretsMaskedAndRedacted(t *testing.T) {
	pemKey := testPEM(t)
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, pemKey, 0o600); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(pemKey)), "\n")
	keyLine := lines[3] // a line of the key's body
	for _, keyVar := range []string{"GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_PRIVATE_KEY_FILE"} {
		t.Run(keyVar, func(t *testing.T) {
			vars := map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7",
				"GITHUB_TOKEN": "ghp_tokenvalue123", "PAGERDUTY_TOKEN": "pd-token-value-456", "BACKSTAGE_URL": "https://backstage.example.com",
				"BACKSTAGE_TOKEN": "bs-token-value-789"}
			if keyVar == "GITHUB_APP_PRIVATE_KEY" {
				vars[keyVar] = string(pemKey)
			} else {
				vars[keyVar] = keyFile
			}
			code, out, errOut := cli(t, vars, "config")
			if code != exitOK {
				t.Fatalf("config: exit %d\n%s", code, errOut)
			}
			for _, secret := range []string{keyLine, "ghp_tokenvalue123", "pd-token-value-456", "bs-token-value-789"} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("config prints %q:\n%s", secret, out)
				}
			}
			if !strings.Contains(out, "GITHUB_TOKEN") || !strings.Contains(out, "******** (set)") {
				t.Errorf("config does not show the secrets as set:\n%s", out)
			}
			var buf bytes.Buffer
			e := &env{stderr: &buf, getenv: envOf(vars)}
			newLogger(e).Error("a mistake quoting " + keyLine + " and " + strings.ReplaceAll(string(pemKey), "\n", `\n`))
			if strings.Contains(buf.String(), keyLine) || !strings.Contains(buf.String(), "[redacted]") {
				t.Errorf("the logger lets the key through:\n%s", buf.String())
			}
		})
	}
}
