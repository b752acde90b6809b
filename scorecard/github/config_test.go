package github_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/github"
)

func TestSettingsFromEnv(t *testing.T) {
	_, pemKey := testKey(t)
	files := map[string][]byte{"/keys/app.pem": pemKey, "/keys/bad.pem": []byte("-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n-----END RSA PRIVATE KEY-----\n")}
	readFile := func(p string) ([]byte, error) {
		if b, ok := files[p]; ok {
			return b, nil
		}
		return nil, errors.New("open " + p + ": no such file or directory")
	}
	flat := strings.ReplaceAll(string(pemKey), "\n", `\n`)
	cases := []struct {
		name    string
		env     map[string]string
		wantErr string // "" for success
		check   func(t *testing.T, s github.Settings)
	}{
		{"token", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t0ken"}, "", func(t *testing.T, s github.Settings) {
			if s.Client.Token != "t0ken" || s.Client.BaseURL != github.DefaultBaseURL || s.Every != time.Hour || !s.Repos.All() || s.Org != "acme" {
				t.Errorf("%+v", s)
			}
		}},
		{"enterprise, filter, every", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t", "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
			"PRODREADY_GITHUB_REPOS": "api-*,web", "PRODREADY_GITHUB_EVERY": "30m"}, "", func(t *testing.T, s github.Settings) {
			if s.Client.BaseURL != "https://ghe.example.com/api/v3" || s.Every != 30*time.Minute || !s.Repos.Match("API-x") || s.Repos.Match("tools") {
				t.Errorf("%+v", s)
			}
		}},
		{"app with key", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7", "GITHUB_APP_PRIVATE_KEY": string(pemKey)}, "", func(t *testing.T, s github.Settings) {
			if s.Client.App == nil || s.Client.App.ID != 42 || s.Client.App.InstallationID != 7 || s.Client.App.Key == nil {
				t.Errorf("%+v", s.Client.App)
			}
		}},
		{"app with flattened key", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7", "GITHUB_APP_PRIVATE_KEY": flat}, "", nil},
		{"app with key file", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7", "GITHUB_APP_PRIVATE_KEY_FILE": "/keys/app.pem"}, "", nil},
		{"no org", map[string]string{"GITHUB_TOKEN": "t"}, "PRODREADY_GITHUB_ORG is not set", nil},
		{"org with slash", map[string]string{"PRODREADY_GITHUB_ORG": "acme/api", "GITHUB_TOKEN": "t"}, "PRODREADY_GITHUB_ORG", nil},
		{"no credentials", map[string]string{"PRODREADY_GITHUB_ORG": "acme"}, "GITHUB_TOKEN is not set", nil},
		{"bad url", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t", "GITHUB_API_URL": "ghe.example.com"}, "GITHUB_API_URL", nil},
		{"url with credentials", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t", "GITHUB_API_URL": "https://u:p@ghe.example.com"}, "GITHUB_API_URL must not carry credentials", nil},
		{"bad every", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_TOKEN": "t", "PRODREADY_GITHUB_EVERY": "5s"}, "PRODREADY_GITHUB_EVERY", nil},
		{"bad app id", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "x", "GITHUB_APP_INSTALLATION_ID": "7", "GITHUB_APP_PRIVATE_KEY": string(pemKey)}, "GITHUB_APP_ID", nil},
		{"no installation", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_PRIVATE_KEY": string(pemKey)}, "GITHUB_APP_INSTALLATION_ID is not set", nil},
		{"no key", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7"}, "GITHUB_APP_PRIVATE_KEY (or GITHUB_APP_PRIVATE_KEY_FILE) is not set", nil},
		{"both keys", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7", "GITHUB_APP_PRIVATE_KEY": "x", "GITHUB_APP_PRIVATE_KEY_FILE": "/keys/app.pem"}, "both set", nil},
		{"key not PEM", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7", "GITHUB_APP_PRIVATE_KEY": "secret-key-material-123"}, "GITHUB_APP_PRIVATE_KEY is not a PEM private key", nil},
		{"key file bad", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7", "GITHUB_APP_PRIVATE_KEY_FILE": "/keys/bad.pem"}, "GITHUB_APP_PRIVATE_KEY_FILE (/keys/bad.pem) holds an RSA PRIVATE KEY block that does not parse", nil},
		{"key file missing", map[string]string{"PRODREADY_GITHUB_ORG": "acme", "GITHUB_APP_ID": "42", "GITHUB_APP_INSTALLATION_ID": "7", "GITHUB_APP_PRIVATE_KEY_FILE": "/keys/none.pem"}, "GITHUB_APP_PRIVATE_KEY_FILE: open /keys/none.pem", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := github.SettingsFromEnv(func(k string) string { return tc.env[k] }, readFile)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if tc.check != nil {
					tc.check(t, s)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("err = %v; want it to contain %q", err, tc.wantErr)
			}
			for _, secret := range []string{"secret-key-material-123", "c2VjcmV0LWtleS1ieXRlcw", "t0ken"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("the error echoes a secret: %v", err)
				}
			}
		})
	}
}

func TestConfigStringHasNoSecret(t *testing.T) {
	c := github.Config{Token: "ghp_supersecret"}
	if s := c.String(); strings.Contains(s, "supersecret") || !strings.Contains(s, "token set") {
		t.Errorf("%q", s)
	}
}
