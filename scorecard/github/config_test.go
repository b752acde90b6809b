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
