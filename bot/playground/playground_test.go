package playground

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
)

// do posts to the page's API as its script does.
func (w *workspace) do(t *testing.T, path string, body any) {
	t.Helper()
	js, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, w.url+path, strings.NewReader(string(js)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Playground", "1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || !out.OK {
		t.Fatalf("POST %s %s: %v %s", path, js, err, out.Error)
	}
}

type pageState struct {
	Main  string `json:"main"`
	Modal string `json:"modal"`
	Notes []struct {
		Text string `json:"text"`
		Bad  bool   `json:"bad"`
	} `json:"notes"`
}

func (w *workspace) state(t *testing.T, as User, conv string) pageState {
	t.Helper()
	resp, err := http.Get(w.url + "/state?as=" + as.ID + "&c=" + conv)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s pageState
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	msgID  = regexp.MustCompile(`data-msg="([^"]+)"`)
	viewID = regexp.MustCompile(`data-view-id="([^"]+)"`)
)

// lastMsg is the id of the last message in the HTML.
func lastMsg(t *testing.T, html string) string {
	t.Helper()
	m := msgID.FindAllStringSubmatch(html, -1)
	if len(m) == 0 {
		t.Fatalf("no message in %s", html)
	}
	return m[len(m)-1][1]
}

func must(t *testing.T, html string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(html, w) {
			t.Errorf("the page lacks %q in\n%s", w, html)
		}
	}
}

func mustNot(t *testing.T, html string, lack ...string) {
	t.Helper()
	for _, l := range lack {
		if strings.Contains(html, l) {
			t.Errorf("the page shows %q in\n%s", l, html)
		}
	}
}

// TestWorkspace walks the page's API as a user would: a command, every
// kind of element, a modal with an error then submitted, an approval by
// another user, the Home tab and the controls.
func TestWorkspace(t *testing.T) {
	w := newWorkspace(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	w.do(t, "/api/command", map[string]string{"as": w.alice.ID, "channel": w.reports, "text": "/prodready payments-api"})
	s := w.state(t, w.alice, w.reports)
	must(t, s.Main, "Answer for <b>payments-api</b>", "Only visible to you", `data-action-id="all_rules"`, `data-action-id="exempt_request"`)
	mustNot(t, w.state(t, w.bob, w.reports).Main, "Answer for")
	answer := lastMsg(t, s.Main)

	t.Run("button", func(t *testing.T) {
		w.do(t, "/api/action", action{User: w.alice.ID, Channel: w.reports, Message: answer, Type: "button", ActionID: "all_rules", BlockID: "answer_actions", Value: "payments-api", Text: "Show all rules"})
		s := w.state(t, w.alice, w.reports)
		must(t, s.Main, "All rules of <b>payments-api</b>")
		w.do(t, "/api/action", action{User: w.alice.ID, Channel: w.reports, Message: lastMsg(t, s.Main), Type: "button", ActionID: "dismiss"})
		s = w.state(t, w.alice, w.reports)
		mustNot(t, s.Main, "All rules of")
		must(t, s.Main, "Answer for <b>payments-api</b>")
	})
	t.Run("overflow", func(t *testing.T) {
		w.do(t, "/api/action", action{User: w.alice.ID, Channel: w.reports, Message: answer, Type: "overflow", ActionID: "more", Value: "snooze-7", Text: "Snooze a week"})
		must(t, w.state(t, w.alice, w.reports).Main, "Snoozed: snooze-7")
	})
	t.Run("select", func(t *testing.T) {
		w.do(t, "/api/action", action{User: w.alice.ID, Channel: w.reports, Message: answer, Type: "static_select", ActionID: "level", BlockID: "answer_actions", Value: "gold", Text: "Gold"})
		must(t, w.state(t, w.alice, w.reports).Main, "Level: gold (Gold)")
	})
	t.Run("checkboxes", func(t *testing.T) {
		w.do(t, "/api/action", action{User: w.alice.ID, Channel: w.reports, Message: answer, Type: "checkboxes", ActionID: "checks", BlockID: "answer_actions",
			Selected: []choice{{Value: "a", Text: "Alpha"}, {Value: "b", Text: "Beta"}}})
		must(t, w.state(t, w.alice, w.reports).Main, "Checked: a=Alpha,b=Beta")
	})
	t.Run("modal", func(t *testing.T) {
		w.do(t, "/api/action", action{User: w.alice.ID, Channel: w.reports, Message: answer, Type: "button", ActionID: "exempt_request", Value: "payments-api"})
		s := w.state(t, w.alice, w.reports)
		must(t, s.Modal, "Request exemption", `data-action-id="reason"`)
		if w.state(t, w.bob, w.reports).Modal != "" {
			t.Error("bob sees alice's modal")
		}
		view := viewID.FindStringSubmatch(s.Modal)[1]
		w.do(t, "/api/submit", submission{User: w.alice.ID, View: view, Values: map[string]map[string]map[string]any{
			"reason": {"reason": {"type": "plain_text_input", "value": nil}}, "until": {"until": {"type": "datepicker", "selected_date": "2026-12-31"}}}})
		must(t, w.state(t, w.alice, w.reports).Modal, `<div class="b-input-error">Say why</div>`)
		w.do(t, "/api/submit", submission{User: w.alice.ID, View: view, Values: map[string]map[string]map[string]any{
			"reason": {"reason": {"type": "plain_text_input", "value": "migrating <b>"}}, "until": {"until": {"type": "datepicker", "selected_date": "2026-12-31"}}}})
		if m := w.state(t, w.alice, w.reports).Modal; m != "" {
			t.Errorf("the modal is still open after a submission the bot took: %s", m)
		}
		s = w.state(t, w.bob, w.exemptions)
		must(t, s.Main, "<b>payments-api</b> until 2026-12-31: migrating &lt;b&gt;", "@alice")
		w.do(t, "/api/action", action{User: w.bob.ID, Channel: w.exemptions, Message: lastMsg(t, s.Main), Type: "button", ActionID: "approve", BlockID: "decide", Value: "payments-api"})
		must(t, w.state(t, w.alice, w.exemptions).Main, "Approved by <span class=\"mk-mention\">@bob</span>")
	})
	t.Run("datepicker replaces the answer", func(t *testing.T) {
		w.do(t, "/api/action", action{User: w.alice.ID, Channel: w.reports, Message: answer, Type: "datepicker", ActionID: "until", BlockID: "answer_actions", Date: "2026-12-01"})
		s := w.state(t, w.alice, w.reports)
		must(t, s.Main, "Date chosen: 2026-12-01")
		mustNot(t, s.Main, "Answer for")
	})
	t.Run("answer through the response_url, in the channel", func(t *testing.T) {
		before := len(w.emu.Responses(""))
		w.do(t, "/api/command", map[string]string{"as": w.alice.ID, "channel": w.reports, "text": "/prodready later"})
		if _, err := w.emu.WaitResponses(ctx, "", before+1); err != nil {
			t.Fatal(err)
		}
		s := w.state(t, w.bob, w.reports)
		must(t, s.Main, "Later answer for <b>later</b>", "/prodready later")
	})
	t.Run("delete_original with nothing to delete shows nothing", func(t *testing.T) {
		before := strings.Count(w.state(t, w.alice, w.reports).Main, "data-msg=")
		w.do(t, "/api/command", map[string]string{"as": w.alice.ID, "channel": w.reports, "text": "/prodready vanish"})
		if after := strings.Count(w.state(t, w.alice, w.reports).Main, "data-msg="); after != before {
			t.Errorf("%d messages before, %d after", before, after)
		}
	})
	t.Run("unknown command gets the bot's help", func(t *testing.T) {
		w.do(t, "/api/command", map[string]string{"as": w.alice.ID, "channel": w.reports, "text": "/prodready frobnicate the thing"})
		must(t, w.state(t, w.alice, w.reports).Main, "the bot&#39;s help")
	})
	t.Run("not a command", func(t *testing.T) {
		w.do(t, "/api/command", map[string]string{"as": w.alice.ID, "channel": w.reports, "text": "hello bot"})
		w.do(t, "/api/command", map[string]string{"as": w.alice.ID, "channel": w.reports, "text": "/giphy cats"})
		must(t, w.state(t, w.alice, w.reports).Main, "The app reads only its slash command here", "/giphy is not a valid command")
	})
	t.Run("home", func(t *testing.T) {
		w.do(t, "/api/home", map[string]string{"as": w.alice.ID})
		s := w.state(t, w.alice, convHome)
		must(t, s.Main, "Your services", "Home of <span class=\"mk-mention\">@alice</span>")
		view := viewID.FindStringSubmatch(s.Main)[1]
		w.do(t, "/api/action", action{User: w.alice.ID, View: view, Type: "button", ActionID: "home_button", Value: "x"})
		must(t, w.state(t, w.alice, convDM).Main, "You clicked the Home tab&#39;s button")
		mustNot(t, w.state(t, w.bob, convDM).Main, "You clicked")
	})
	t.Run("controls", func(t *testing.T) {
		w.do(t, "/api/control", map[string]string{"as": w.alice.ID, "name": "advance"})
		w.do(t, "/api/control", map[string]string{"as": w.alice.ID, "name": "digest"})
		w.do(t, "/api/control", map[string]string{"as": w.alice.ID, "name": "notices"})
		s := w.state(t, w.alice, w.reports)
		must(t, s.Main, "Weekly digest for 3 Dec 2026")
		if len(s.Notes) != 3 || !strings.Contains(s.Notes[0].Text, "Thu 3 Dec 2026") || !s.Notes[2].Bad || !strings.Contains(s.Notes[2].Text, "no team has a channel") {
			t.Errorf("notes %+v", s.Notes)
		}
	})
	got := strings.Join(w.bot.received(), "\n")
	for _, want := range []string{"command payments-api by " + w.alice.ID + " in " + w.reports, "action all_rules by " + w.alice.ID + " in " + w.reports + " container message",
		"action home_button by " + w.alice.ID + " in  container view", "submit exempt by " + w.alice.ID + ": migrating <b> until 2026-12-31", "event app_home_opened by " + w.alice.ID} {
		if !strings.Contains(got, want) {
			t.Errorf("the bot did not receive %q; it received:\n%s", want, got)
		}
	}
}

// TestGuard: posts need the page's header, and on loopback only loopback
// names are answered (DNS rebinding).
func TestGuard(t *testing.T) {
	w := newWorkspace(t)
	cases := []struct {
		name, method, host string
		header             bool
		want               int
	}{
		{"page", http.MethodGet, "", false, http.StatusOK},
		{"localhost", http.MethodGet, "localhost:1234", false, http.StatusOK},
		{"rebinding", http.MethodGet, "evil.example:80", false, http.StatusMisdirectedRequest},
		{"post without the header", http.MethodPost, "", false, http.StatusForbidden},
		{"post with it", http.MethodPost, "", true, http.StatusOK},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := "/"
			if c.method == http.MethodPost {
				path = "/api/close"
			}
			req, _ := http.NewRequest(c.method, w.url+path, strings.NewReader(`{"as":"x","view":"y"}`))
			if c.host != "" {
				req.Host = c.host
			}
			if c.header {
				req.Header.Set("X-Playground", "1")
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("status %d, want %d", resp.StatusCode, c.want)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	emu := slackemu.New(t)
	ok := Config{Emulator: emu, BotURL: "http://127.0.0.1:1", SigningSecret: emu.SigningSecret(), Users: []User{{ID: "U1", Name: "a"}}}
	cases := []struct {
		name   string
		change func(*Config)
		want   string
	}{
		{"good", func(*Config) {}, ""},
		{"no emulator", func(c *Config) { c.Emulator = nil }, "Config.Emulator"},
		{"bad bot URL", func(c *Config) { c.BotURL = "ftp://x" }, "Config.BotURL"},
		{"wrong secret", func(c *Config) { c.SigningSecret = "other" }, "Config.SigningSecret"},
		{"no users", func(c *Config) { c.Users = nil }, "Config.Users is empty"},
		{"nameless user", func(c *Config) { c.Users = []User{{ID: "U1"}} }, "Config.Users[0]"},
		{"twice", func(c *Config) { c.Users = []User{{ID: "U1", Name: "a"}, {ID: "U1", Name: "b"}} }, "Config.Users[1]"},
		{"nameless channel", func(c *Config) { c.Channels = []Channel{{ID: "C1"}} }, "Config.Channels[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := ok
			c.change(&cfg)
			_, err := New(cfg).Handler(true)
			if c.want == "" && err != nil || c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)) {
				t.Errorf("Handler: %v, want an error naming %q", err, c.want)
			}
		})
	}
}

// TestListen: a port in use gives the next free one, and says so.
func TestListen(t *testing.T) {
	ctx := context.Background()
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	ln, note, err := Listen(ctx, busy.Addr().String())
	if err != nil {
		t.Skipf("no free port after %d: %v", port, err)
	}
	defer ln.Close()
	if got := ln.Addr().(*net.TCPAddr).Port; got <= port || !strings.Contains(note, "is in use") {
		t.Errorf("listening on %d with note %q, want a later port than the busy %d and a note", got, note, port)
	}
	if !strings.HasPrefix(URL(ln), "http://127.0.0.1:") {
		t.Errorf("URL %s", URL(ln))
	}
	for _, bad := range []string{"nohost", "127.0.0.1:http", "127.0.0.1:99999"} {
		if _, _, err := Listen(ctx, bad); err == nil {
			t.Errorf("Listen(%q) took a bad address", bad)
		}
	}
}

// TestServe serves on a listener until the context ends.
func TestServe(t *testing.T) {
	w := newWorkspace(t)
	ln, _, err := Listen(context.Background(), "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.pg.Serve(ctx, ln) }()
	resp, err := http.Get(URL(ln))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "script-src 'self'") {
		t.Errorf("status %d, CSP %q", resp.StatusCode, resp.Header.Get("Content-Security-Policy"))
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve: %v", err)
	}
}

// TestHostileNames: names and purposes from the configuration (a catalog's
// teams) are escaped in the page.
func TestHostileNames(t *testing.T) {
	emu := slackemu.New(t)
	const x = `<script>alert(1)</script>"`
	ch := emu.AddChannel("team")
	u := emu.AddUser("a@example.com")
	pg := New(Config{Emulator: emu, BotURL: "http://127.0.0.1:1", SigningSecret: emu.SigningSecret(),
		Users: []User{{ID: u.ID, Name: x, Role: x}}, Channels: []Channel{{ID: ch, Name: x, Purpose: x}}, Workspace: x})
	h, err := pg.Handler(true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	for _, path := range []string{"/", "/?c=" + ch, "/?c=dm", "/?c=home"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "<script>alert") || !strings.Contains(string(body), "&lt;script&gt;") {
			t.Errorf("GET %s: the names are not escaped:\n%s", path, body)
		}
	}
}
