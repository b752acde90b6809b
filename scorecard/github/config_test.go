package github_test

import (
	"strings"
	"testing"

	"github.com/prodready/prodready/scorecard/github"
)

func TestConfigStringHasNoSecret(t *testing.T) {
	c := github.Config{Token: "ghp_supersecret"}
	if s := c.String(); strings.Contains(s, "supersecret") || !strings.Contains(s, "token set") {
		t.Errorf("%q", s)
	}
}

// New's errors name the Config field at fault (cmd maps fields to its
// variables), and never a secret.
func TestNewNamesTheField(t *testing.T) {
	for _, tc := range []struct {
		cfg  github.Config
		want string
	}{
		{github.Config{BaseURL: "::", Token: "t0ken-value"}, "github.Config.BaseURL"},
		{github.Config{}, "github.Config.Token is empty and github.Config.App is nil"},
		{github.Config{App: &github.App{ID: 1}}, "github.Config.App needs ID, InstallationID and Key"},
	} {
		_, err := github.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "t0ken-value") {
			t.Errorf("New(%v) = %v; want an error naming %s", tc.cfg, err, tc.want)
		}
	}
}
