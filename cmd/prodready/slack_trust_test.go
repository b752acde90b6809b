package main

import (
	"slices"
	"strings"
	"testing"
)

func TestResponseHostsFollowSlackAPIURL(t *testing.T) {
	cases := []struct {
		apiURL string
		want   []string
	}{
		{"https://slack.com/api/", []string{"hooks.slack.com", "slack.com"}},
		{"https://slack-gov.com/api/", []string{"hooks.slack.com", "slack-gov.com"}},
		{"http://127.0.0.1:4390/api/", []string{"hooks.slack.com", "127.0.0.1:4390"}},
		{"", []string{"hooks.slack.com"}},
	}
	for _, tc := range cases {
		if got := responseHosts(tc.apiURL); !slices.Equal(got, tc.want) {
			t.Errorf("responseHosts(%q) = %v, want %v", tc.apiURL, got, tc.want)
		}
	}
}

func TestExemptionSelfApproveSetting(t *testing.T) {
	cases := []struct {
		value   string
		want    bool
		refused bool
	}{
		{"", false, false},
		{"true", true, false},
		{"false", false, false},
		{"yes please", false, true},
	}
	for _, tc := range cases {
		vars := map[string]string{}
		if tc.value != "" {
			vars["PRODREADY_EXEMPTION_SELF_APPROVE"] = tc.value
		}
		s, err := loadSettings(envOf(vars))
		if tc.refused {
			if err == nil || !strings.Contains(err.Error(), "PRODREADY_EXEMPTION_SELF_APPROVE") {
				t.Errorf("%q: error %v, want one naming the variable", tc.value, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.value, err)
		}
		if got := s.exemptionConfig().SelfApprove; got != tc.want {
			t.Errorf("%q: SelfApprove %v, want %v", tc.value, got, tc.want)
		}
	}
}
