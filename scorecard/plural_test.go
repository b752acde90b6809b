package scorecard

import "testing"

func TestPlural(t *testing.T) {
	for _, tc := range []struct {
		n    int
		noun string
		want string
	}{
		{0, "service", "0 services"},
		{1, "service", "1 service"},
		{2, "more rule", "2 more rules"},
		{1, "repository", "1 repository"},
		{3, "repository", "3 repositories"},
		{2, "day", "2 days"},
	} {
		if got := Plural(tc.n, tc.noun); got != tc.want {
			t.Errorf("Plural(%d, %q) = %q, want %q", tc.n, tc.noun, got, tc.want)
		}
	}
}
