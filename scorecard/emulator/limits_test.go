package emulator_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
)

// clock is a settable clock for tests.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func TestTokens(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)}
	tokens := emulator.NewTokens(c.now, "key-1")
	tokens.Issue("issued", emulator.Grant{Expires: c.t.Add(time.Hour), Scopes: map[string]string{"contents": "read"}, Subject: "installation ID 7"})
	tokens.Issue("forever", emulator.Grant{})
	check := func(tok string, want emulator.TokenState) emulator.Grant {
		t.Helper()
		g, state := tokens.Check(tok)
		if state != want {
			t.Errorf("%s: state %d, want %d", tok, state, want)
		}
		return g
	}
	check("key-1", emulator.TokenValid)
	check("nope", emulator.TokenUnknown)
	if g := check("issued", emulator.TokenValid); g.Scopes["contents"] != "read" || g.Subject != "installation ID 7" {
		t.Errorf("grant %+v", g)
	}
	c.t = c.t.Add(time.Hour)
	check("issued", emulator.TokenExpired)
	check("forever", emulator.TokenValid)
	tokens.Expire("forever")
	tokens.Expire("key-1") // fixed keys do not expire
	check("forever", emulator.TokenExpired)
	check("key-1", emulator.TokenValid)
	tokens.Issue("new", emulator.Grant{})
	tokens.ExpireIssued()
	check("new", emulator.TokenExpired)
	check("key-1", emulator.TokenValid)
	if n := tokens.Issued(); n != 3 {
		t.Errorf("issued %d", n)
	}
}

func TestCredential(t *testing.T) {
	cases := []struct {
		header  string
		schemes []string
		want    string
		ok      bool
	}{
		{"Bearer abc", []string{"Bearer"}, "abc", true},
		{"bearer  abc ", []string{"Bearer"}, "abc", true},
		{"token abc", []string{"Bearer", "token"}, "abc", true},
		{"Token token=abc", []string{"Token token=", "Bearer"}, "abc", true},
		{"Basic abc", []string{"Bearer"}, "", false},
		{"Bearer", []string{"Bearer"}, "", false},
		{"", []string{"Bearer"}, "", false},
	}
	for _, tc := range cases {
		r, _ := http.NewRequest(http.MethodGet, "http://x/", nil)
		r.Header.Set("Authorization", tc.header)
		if got, ok := emulator.Credential(r, tc.schemes...); got != tc.want || ok != tc.ok {
			t.Errorf("%q: %q %v, want %q %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestWindow(t *testing.T) {
	c := &clock{t: time.Date(2026, 3, 14, 12, 0, 0, 500_000_000, time.UTC)}
	w := emulator.NewWindow(2, time.Minute, c.now)
	for i, want := range []bool{true, true, false, false} {
		q, ok := w.Take("key")
		if ok != want {
			t.Errorf("take %d: %v, want %v", i+1, ok, want)
		}
		if q.Remaining != max(1-i, 0) || q.Used() != min(i+1, 2) || q.ResetIn() != 60 || q.RetryAfter() != "60" {
			t.Errorf("take %d: %+v, used %d, reset in %d", i+1, q, q.Used(), q.ResetIn())
		}
	}
	if _, ok := w.Take("other"); !ok {
		t.Error("keys share a budget")
	}
	c.t = c.t.Add(30 * time.Second)
	if q := w.Peek("key"); q.Remaining != 0 || q.ResetIn() != 30 {
		t.Errorf("peek %+v, reset in %d", q, q.ResetIn())
	}
	c.t = c.t.Add(30 * time.Second)
	if q, ok := w.Take("key"); !ok || q.Remaining != 1 {
		t.Errorf("after the window: %+v %v", q, ok)
	}
	w.Set("key", 0, c.t.Add(10*time.Second))
	if q := w.Spend("key"); q.Remaining != 0 || q.ResetIn() != 10 {
		t.Errorf("spent past zero: %+v", q)
	}
	w.Refill("key")
	if q := w.Peek("key"); q.Remaining != 2 || q.Limit != 2 || w.Limit() != 2 {
		t.Errorf("refilled %+v", q)
	}
}
