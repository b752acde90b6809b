package main

import (
	"slices"
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
