package slackapp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// syncBuffer is a log sink safe for the bot's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// gatedSource loads the demo once its gate opens, or fails with err.
type gatedSource struct {
	gate chan struct{}
	mu   sync.Mutex
	err  error
}

func (g *gatedSource) Describe() string { return "gated demo" }

func (g *gatedSource) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	select {
	case <-g.gate:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	g.mu.Lock()
	err := g.err
	g.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return demo.Source{}.Load(ctx, now)
}

type running struct {
	bot  *Bot
	url  string // the command URL
	log  *syncBuffer
	stop func() error
}

// start runs a bot against the emulator on loopback until the test ends.
func start(t *testing.T, emu *slackemu.Server, cfg Config) *running {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	cfg.Listener = ln
	cfg.Log = slog.New(slog.NewTextHandler(logs, nil))
	if cfg.Source == nil && cfg.Holder == nil {
		cfg.Source = demo.Source{}
	}
	if cfg.SigningSecret == "" && cfg.AppToken == "" {
		cfg.SigningSecret = emu.SigningSecret()
	}
	if cfg.APIURL == "" {
		cfg.APIURL = emu.URL()
	}
	b, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case runErr = <-done:
			case <-time.After(15 * time.Second):
				runErr = errors.New("Run did not return within 15s of cancel")
			}
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	return &running{bot: b, url: "http://" + ln.Addr().String() + CommandPath, log: logs, stop: stop}
}

func waitReady(t *testing.T, b *Bot) *Evaluated {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := b.Holder().Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func send(t *testing.T, emu *slackemu.Server, url, text string) *slackemu.Reply {
	t.Helper()
	r, err := emu.SendSlashCommand(context.Background(), url, slackemu.SlashCommand{Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func checkEphemeralJSON(t *testing.T, r *slackemu.Reply) {
	t.Helper()
	if r.Status != http.StatusOK || r.Header.Get("Content-Type") != "application/json" || r.Message == nil {
		t.Fatalf("reply %d %q %s", r.Status, r.Header.Get("Content-Type"), r.Body)
	}
	if r.Message.ResponseType != "ephemeral" || r.Message.Text == "" {
		t.Fatalf("reply is not an ephemeral message with a fallback: %s", r.Body)
	}
	if err := slackemu.ValidateBlocks(r.Message.Blocks); err != nil {
		t.Fatalf("Slack would refuse the reply's blocks: %v", err)
	}
}

func TestDocumentedSigningExampleVerifies(t *testing.T) {
	// Slack's example from "Verifying requests from Slack", checked by the
	// bot's handler at the example's own time (synctest's fake clock), so
	// slack-go's 5-minute window holds.
	const (
		secret = "8f742231b10e8888abcd99yyyzzz85a5"
		ts     = "1531420618"
		body   = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
		sig    = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
	)
	synctest.Test(t, func(t *testing.T) {
		sec, _ := strconv.ParseInt(ts, 10, 64)
		time.Sleep(time.Until(time.Unix(sec, 0).Add(30 * time.Second)))
		b, err := New(Config{Source: demo.Source{}, SigningSecret: secret})
		if err != nil {
			t.Fatal(err)
		}
		h := b.Handler()
		do := func(sig string) *httptest.ResponseRecorder {
			req := httptest.NewRequest(http.MethodPost, CommandPath, strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Slack-Request-Timestamp", ts)
			req.Header.Set("X-Slack-Signature", sig)
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			return rec
		}
		bad := sig[:len(sig)-1] + "4"
		if rec := do(bad); rec.Code != http.StatusUnauthorized {
			t.Fatalf("a wrong signature got %d", rec.Code)
		}
		rec := do(sig)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"response_type":"ephemeral"`) {
			t.Fatalf("the documented example got %d %s", rec.Code, rec.Body)
		}
		if rec := do(sig); rec.Code != http.StatusUnauthorized {
			t.Fatalf("the documented example replayed got %d", rec.Code)
		}
		// The same request with the signature's hex in another case is
		// the same request: refused too.
		for _, variant := range []string{"v0=" + strings.ToUpper(sig[3:]), sig[:10] + strings.ToUpper(sig[10:20]) + sig[20:]} {
			if rec := do(variant); rec.Code != http.StatusUnauthorized {
				t.Fatalf("the documented example replayed with signature %s got %d", variant, rec.Code)
			}
		}
		time.Sleep(6 * time.Minute)
		if rec := do(sig); rec.Code != http.StatusUnauthorized {
			t.Fatalf("the documented example 6 minutes later got %d", rec.Code)
		}
	})
}

func TestHTTPServiceAnswerEndToEnd(t *testing.T) {
	emu := slackemu.New(t)
	r := start(t, emu, Config{BotToken: emu.BotToken()})
	s := waitReady(t, r.bot)
	reply := send(t, emu, r.url, "  Payments-API ")
	checkEphemeralJSON(t, reply)
	all := blockText(reply.Message.Blocks)
	e, _ := s.Evaluation.Catalog.Find("payments-api")
	for si := range s.Evaluation.Scorecards {
		res := s.Evaluation.Result(e, si)
		if !strings.Contains(reply.Message.Text, res.Scorecard.Name()+" "+res.LevelName()) {
			t.Fatalf("fallback lacks %s %s: %s", res.Scorecard.Name(), res.LevelName(), reply.Message.Text)
		}
		for _, i := range res.Failing() {
			if !strings.Contains(all, res.Scorecard.Rules[i].Name()) {
				t.Fatalf("failing rule %s missing:\n%s", res.Scorecard.Rules[i].Identifier, all)
			}
		}
	}
	if !strings.Contains(all, "To reach *Gold*: fix this rule") {
		t.Fatalf("no next step:\n%s", all)
	}

	near := send(t, emu, r.url, "paymnts-api")
	checkEphemeralJSON(t, near)
	if !strings.Contains(near.Message.Text, "Did you mean payments-api") {
		t.Fatalf("near miss: %s", near.Message.Text)
	}
	team := send(t, emu, r.url, "team search")
	checkEphemeralJSON(t, team)
	if !strings.Contains(blockText(team.Message.Blocks), "`search-api`") {
		t.Fatalf("team: %s", team.Body)
	}
	// Answers go in the HTTP response; nothing is posted to Slack.
	if n := len(emu.Calls()); n != 0 {
		t.Fatalf("%d Web API calls for answers that belong in the response", n)
	}
}

func TestHTTPRefusesBadRequests(t *testing.T) {
	emu := slackemu.New(t)
	r := start(t, emu, Config{BotToken: emu.BotToken()})
	waitReady(t, r.bot)
	ctx := context.Background()

	// Forged: signed with another secret.
	other := slackemu.New(t)
	if rep, err := other.SendSlashCommand(ctx, r.url, slackemu.SlashCommand{Text: "payments-api"}); err != nil || rep.Status != http.StatusUnauthorized {
		t.Fatalf("forged: %v %v", rep, err)
	}
	// Tampered: body changed after signing.
	req, _, _, err := emu.CommandRequest(ctx, r.url, slackemu.SlashCommand{Text: "payments-api"})
	if err != nil {
		t.Fatal(err)
	}
	req.Body = io.NopCloser(strings.NewReader("text=ledger-service"))
	req.ContentLength = int64(len("text=ledger-service"))
	if rep, err := emu.Do(req, ""); err != nil || rep.Status != http.StatusUnauthorized {
		t.Fatalf("tampered: %v %v", rep, err)
	}
	// Stale: six minutes old, and from the future.
	for _, off := range []time.Duration{-6 * time.Minute, 6 * time.Minute} {
		rep, err := emu.SendSlashCommand(ctx, r.url, slackemu.SlashCommand{Text: "payments-api", Timestamp: time.Now().Add(off)})
		if err != nil || rep.Status != http.StatusUnauthorized || !strings.Contains(string(rep.Body), "5 minutes") {
			t.Fatalf("timestamp %s off: %v %v", off, rep, err)
		}
	}
	// Replayed: the same signed request twice.
	req, body, _, err := emu.CommandRequest(ctx, r.url, slackemu.SlashCommand{Text: "payments-api"})
	if err != nil {
		t.Fatal(err)
	}
	replay := req.Clone(ctx)
	replay.Body = io.NopCloser(bytes.NewReader(body))
	if rep, err := emu.Do(req, ""); err != nil || rep.Status != http.StatusOK {
		t.Fatalf("first: %v %v", rep, err)
	}
	if rep, err := emu.Do(replay, ""); err != nil || rep.Status != http.StatusUnauthorized || !strings.Contains(string(rep.Body), "replayed") {
		t.Fatalf("replayed: %v %v", rep, err)
	}
	// Unsigned.
	resp, err := http.Post(r.url, "application/x-www-form-urlencoded", strings.NewReader("text=payments-api"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("unsigned: %d", resp.StatusCode)
	}
	// Signed, but not a form.
	for _, c := range []struct{ ct, body string }{
		{"application/json", `{"text":"payments-api"}`},
		{"application/x-www-form-urlencoded", "text=%zz"},
	} {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req, _ := http.NewRequest(http.MethodPost, r.url, strings.NewReader(c.body))
		req.Header.Set("Content-Type", c.ct)
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", slackemu.Sign(emu.SigningSecret(), ts, []byte(c.body)))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(string(msg), "form") {
			t.Fatalf("%s body: %d %s", c.ct, resp.StatusCode, msg)
		}
	}
	// Far larger than any slash command.
	big := "text=" + strings.Repeat("a", 2*maxCommandBody)
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	bigReq, _ := http.NewRequest(http.MethodPost, r.url, strings.NewReader(big))
	bigReq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	bigReq.Header.Set("X-Slack-Request-Timestamp", ts)
	bigReq.Header.Set("X-Slack-Signature", slackemu.Sign(emu.SigningSecret(), ts, []byte(big)))
	resp, err = http.DefaultClient.Do(bigReq)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("huge body: %d", resp.StatusCode)
	}
	// GET.
	resp, err = http.Get(r.url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
	if !strings.Contains(r.log.String(), "refused replayed slash command") {
		t.Fatalf("refusals are not logged:\n%s", r.log)
	}
}

func TestSocketModeEndToEnd(t *testing.T) {
	emu := slackemu.New(t)
	r := start(t, emu, Config{BotToken: emu.BotToken(), AppToken: emu.AppToken()})
	waitReady(t, r.bot)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	reply, err := emu.SendSlashCommandSocket(ctx, slackemu.SlashCommand{Text: "payments-api"})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Message == nil || reply.Message.ResponseType != "ephemeral" || !strings.Contains(reply.Message.Text, "Production Readiness Silver") {
		t.Fatalf("ack %s", reply.Body)
	}
	if err := slackemu.ValidateBlocks(reply.Message.Blocks); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(blockText(reply.Message.Blocks), "Merged a PR in the last 30 days") {
		t.Fatalf("ack lacks the failing rule: %s", reply.Body)
	}
	if len(emu.CallsTo("apps.connections.open")) == 0 {
		t.Fatal("the bot did not open a Socket Mode connection")
	}
}

func TestSocketModeBadAppToken(t *testing.T) {
	if _, err := New(Config{Source: demo.Source{}, AppToken: "xoxb-not-an-app-token"}); err == nil || !strings.Contains(err.Error(), "SLACK_APP_TOKEN") {
		t.Fatalf("New: %v", err)
	}
	emu := slackemu.New(t)
	for _, c := range []struct{ token, want string }{
		{"xapp-1-unknown", "invalid_auth"},
		{emu.AppToken(), "token_revoked"},
	} {
		emu.RevokeToken(emu.AppToken())
		b, err := New(Config{Source: demo.Source{}, AppToken: c.token, APIURL: emu.URL(), ListenAddr: "127.0.0.1:0"})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		err = b.Run(ctx)
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Fatalf("Run with app token %s: %v, want %s", c.token, err, c.want)
		}
	}
}

func TestNoEvaluationYetPostsToResponseURL(t *testing.T) {
	emu := slackemu.New(t)
	src := &gatedSource{gate: make(chan struct{})}
	r := start(t, emu, Config{BotToken: emu.BotToken(), Source: src})
	reply := send(t, emu, r.url, "payments-api")
	checkEphemeralJSON(t, reply)
	if !strings.Contains(reply.Message.Text, "Evaluating the catalog") {
		t.Fatalf("immediate answer: %s", reply.Body)
	}
	if reply.Elapsed > time.Second {
		t.Fatalf("the ack took %s", reply.Elapsed)
	}
	close(src.gate)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	posts, err := emu.WaitResponses(ctx, reply.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	p := posts[0]
	if p.Error != "" || p.ResponseType != "ephemeral" || !strings.Contains(p.Text, "payments-api: Production Readiness Silver") {
		t.Fatalf("later answer %+v", p)
	}
	if err := slackemu.ValidateBlocks(p.Blocks); err != nil {
		t.Fatal(err)
	}
}

func TestFirstLoadFailureIsSaid(t *testing.T) {
	emu := slackemu.New(t)
	src := &gatedSource{gate: make(chan struct{}), err: errors.New("catalog.json: unexpected end of JSON")}
	r := start(t, emu, Config{BotToken: emu.BotToken(), Source: src})
	reply := send(t, emu, r.url, "payments-api")
	close(src.gate)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	posts, err := emu.WaitResponses(ctx, reply.ResponseURL, 1)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(posts[0].Text, "could not be loaded") || !strings.Contains(posts[0].Text, "unexpected end of JSON") {
		t.Fatalf("later answer %+v", posts[0])
	}
	if !strings.Contains(r.log.String(), "no evaluation to answer from yet") {
		t.Fatalf("log:\n%s", r.log)
	}
}

// flakySource loads the demo, then fails while broken is set.
type flakySource struct {
	mu     sync.Mutex
	broken bool
}

func (f *flakySource) Describe() string { return "flaky demo" }
func (f *flakySource) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.broken {
		return nil, errors.New("Port answered 503")
	}
	return demo.Source{}.Load(ctx, now)
}

func TestRefreshFailureKeepsLastGoodEvaluation(t *testing.T) {
	logs := &syncBuffer{}
	src := &flakySource{}
	h := NewHolder(src, nil, slog.New(slog.NewTextHandler(logs, nil)))
	ctx := context.Background()
	if err := h.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	good := h.Current()
	src.mu.Lock()
	src.broken = true
	src.mu.Unlock()
	err := h.Refresh(ctx)
	if err == nil || !strings.Contains(err.Error(), "flaky demo") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("Refresh: %v", err)
	}
	if h.Current() != good {
		t.Fatal("a failed refresh replaced the evaluation")
	}
	if h.LastError() == nil || !strings.Contains(logs.String(), "still answering from the previous evaluation") {
		t.Fatalf("failure not kept or logged:\n%s", logs)
	}
	m := Answer(h.Current(), ParseQuery("payments-api"))
	if !strings.Contains(m.Text, "payments-api:") {
		t.Fatalf("answer from the kept evaluation: %s", m.Text)
	}
	src.mu.Lock()
	src.broken = false
	src.mu.Unlock()
	if err := h.Refresh(ctx); err != nil || h.Current() == good || h.LastError() != nil {
		t.Fatalf("recovery: %v", err)
	}
}

func TestHugeAnswerOverHTTPAndResponseURL(t *testing.T) {
	emu := slackemu.New(t)
	h := NewHolder(staticSource{hugeBundle(t, 150, 6, 10)}, nil, nil)
	r := start(t, emu, Config{BotToken: emu.BotToken(), Holder: h, RefreshEvery: time.Hour})
	waitReady(t, r.bot)
	reply := send(t, emu, r.url, "svc-00003")
	checkEphemeralJSON(t, reply)
	if !andMore.MatchString(blockText(reply.Message.Blocks)) {
		t.Fatal("a huge answer is not cut with '…and N more'")
	}
	// And Slack accepts it where Slack itself checks: the response_url.
	m := Answer(h.Current(), ParseQuery("svc-00003"))
	if err := (slackResponder{api: blockkit.NewClient("", "", emu.URL())}).Respond(context.Background(), reply.ResponseURL, m); err != nil {
		t.Fatalf("response_url refused the huge answer: %v", err)
	}
}

func TestConsoleMode(t *testing.T) {
	emu := slackemu.New(t)
	console := &syncBuffer{}
	src := &gatedSource{gate: make(chan struct{})}
	r := start(t, emu, Config{Source: src, Console: console})
	if !strings.Contains(r.log.String(), "console mode") {
		// The warning is logged when Run starts; give it a moment.
		deadline := time.Now().Add(5 * time.Second)
		for !strings.Contains(r.log.String(), "console mode") && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if !strings.Contains(r.log.String(), "console mode") {
		t.Fatalf("startup log does not say console mode:\n%s", r.log)
	}
	reply := send(t, emu, r.url, "payments-api")
	checkEphemeralJSON(t, reply)
	close(src.gate)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(console.String(), "payments-api: Production Readiness") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(console.String(), "[console] would post to response_url "+reply.ResponseURL) {
		t.Fatalf("console:\n%s", console)
	}
	if len(emu.Responses("")) != 0 {
		t.Fatal("console mode posted to Slack")
	}
	if r.bot.Client() != nil {
		t.Fatal("console mode has a Slack client")
	}
}

func TestShutdownFinishesPendingAnswers(t *testing.T) {
	emu := slackemu.New(t)
	src := &gatedSource{gate: make(chan struct{})}
	r := start(t, emu, Config{BotToken: emu.BotToken(), Source: src, ShutdownGrace: 300 * time.Millisecond})
	reply := send(t, emu, r.url, "payments-api")
	start := time.Now()
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("shutdown took %s", d)
	}
	posts := emu.Responses(reply.ResponseURL)
	if len(posts) != 1 || !strings.Contains(posts[0].Text, "shutting down") {
		t.Fatalf("pending answer at shutdown: %+v", posts)
	}
	if _, err := http.Post(r.url, "text/plain", nil); err == nil {
		t.Fatal("still accepting after shutdown")
	}
	close(src.gate)
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	cases := []struct {
		cfg  Config
		want string
	}{
		{Config{Source: demo.Source{}}, "slackapp.Config.SigningSecret"},
		{Config{Source: demo.Source{}, SigningSecret: "s", BotToken: "xoxp-user"}, "SLACK_BOT_TOKEN"},
		{Config{Source: demo.Source{}, SigningSecret: "s", APIURL: "slack.com/api"}, "SLACK_API_URL"},
		{Config{Source: demo.Source{}, SigningSecret: "s", RefreshEvery: -time.Minute}, "slackapp.Config.RefreshEvery"},
	}
	for _, c := range cases {
		if _, err := New(c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
	if u, err := blockkit.NormalizeAPIURL("http://127.0.0.1:9/api"); err != nil || u != "http://127.0.0.1:9/api/" {
		t.Fatalf("NormalizeAPIURL = %q %v", u, err)
	}
}

// staticSource serves one bundle.
type staticSource struct{ b *scorecard.Bundle }

func (s staticSource) Describe() string { return "static bundle" }
func (s staticSource) Load(context.Context, time.Time) (*scorecard.Bundle, error) {
	return s.b, nil
}

func TestSocketModeSurvivesReconnect(t *testing.T) {
	emu := slackemu.New(t)
	r := start(t, emu, Config{BotToken: emu.BotToken(), AppToken: emu.AppToken()})
	waitReady(t, r.bot)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if _, err := emu.SendSlashCommandSocket(ctx, slackemu.SlashCommand{Text: "indexer"}); err != nil {
		t.Fatal(err)
	}
	// Slack rotates connections: it asks the app to reconnect.
	emu.Disconnect("refresh_requested")
	for len(emu.CallsTo("apps.connections.open")) < 2 {
		select {
		case <-ctx.Done():
			t.Fatal("the bot did not reconnect")
		case <-time.After(20 * time.Millisecond):
		}
	}
	reply, err := emu.SendSlashCommandSocket(ctx, slackemu.SlashCommand{Text: "team search"})
	if err != nil {
		t.Fatal(err)
	}
	if reply.Message == nil || !strings.Contains(reply.Message.Text, "Team Search (search)") {
		t.Fatalf("after reconnecting: %s", reply.Body)
	}
}

func TestReplayGuardForgets(t *testing.T) {
	g := newReplayGuard(nil)
	t0 := time.Unix(1_700_000_000, 0)
	for i := 0; i < 1000; i++ {
		if !g.firstInMemory(strconv.Itoa(i), t0.Add(time.Duration(i)*time.Second)) {
			t.Fatalf("signature %d refused the first time", i)
		}
	}
	if g.firstInMemory("995", t0.Add(1000*time.Second)) {
		t.Fatal("a signature seen 5s ago was accepted again")
	}
	if !g.firstInMemory("5", t0.Add(1000*time.Second)) {
		t.Fatal("a signature seen 995s ago, past the verifier's window, is still refused")
	}
	// 10 minutes after the last one, everything is forgotten and memory is back.
	later := t0.Add(1000*time.Second + 2*signatureWindow)
	if !g.firstInMemory("995", later) {
		t.Fatal("an expired signature is still remembered")
	}
	if len(g.until) != 1 || len(g.order)-g.head != 1 {
		t.Fatalf("memory not released: %d remembered, queue %d", len(g.until), len(g.order)-g.head)
	}
}

func TestRefreshLogsRejectedScorecards(t *testing.T) {
	b, err := demo.Source{}.Load(context.Background(), testNow)
	if err != nil {
		t.Fatal(err)
	}
	_, findings := scorecard.ParseScorecards("bad.json", []byte(`[{"identifier":"broken","rules":[{"identifier":"r","level":"Gold","query":{"combinator":"xor","conditions":[]}}]}]`))
	if findings.Err() == nil {
		t.Fatal("the broken scorecard was accepted; pick another breakage")
	}
	b.Findings = append(b.Findings, findings...)
	logs := &syncBuffer{}
	h := NewHolder(staticSource{b}, nil, slog.New(slog.NewTextHandler(logs, nil)))
	if err := h.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "scorecard definition rejected") || !strings.Contains(logs.String(), "bad.json") {
		t.Fatalf("log:\n%s", logs)
	}
}

// companion records its life.
type companion struct {
	mu              sync.Mutex
	started         context.Context
	stopped         bool
	cancelledAtStop bool
}

func (c *companion) Start(ctx context.Context) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.started = ctx
}

func (c *companion) Stop(ctx context.Context) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopped = true
	c.cancelledAtStop = c.started.Err() != nil
	if _, ok := ctx.Deadline(); !ok {
		return errors.New("Stop without a deadline")
	}
	return nil
}

func TestCompanionsStartAndStopWithTheBot(t *testing.T) {
	emu := slackemu.New(t)
	c := &companion{}
	r := start(t, emu, Config{BotToken: emu.BotToken(), Companions: []Companion{c}})
	waitReady(t, r.bot)
	if err := r.stop(); err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.started == nil || !c.stopped {
		t.Fatalf("started %v, stopped %v", c.started != nil, c.stopped)
	}
	if c.cancelledAtStop {
		t.Fatal("the companion's context was cancelled before Stop: running jobs would be cut without a grace period")
	}
	if c.started.Err() == nil {
		t.Fatal("the companion's context outlives the bot")
	}
	if strings.Contains(r.log.String(), "did not stop cleanly") {
		t.Fatalf("log:\n%s", r.log)
	}

	// A bot that cannot serve stops its companions too.
	c2 := &companion{}
	b, err := New(Config{Source: demo.Source{}, AppToken: "xapp-1-unknown", APIURL: emu.URL(), ListenAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	b.AddCompanion(c2)
	if err := b.Run(context.Background()); err == nil {
		t.Fatal("Run with an unknown app token succeeded")
	}
	c2.mu.Lock()
	defer c2.mu.Unlock()
	if !c2.stopped {
		t.Fatal("the companion was not stopped when the bot failed")
	}
}

// A load that fails before anyone waits must not leave waiters hanging
// until the next refresh.
func TestWaitAfterAFailedLoad(t *testing.T) {
	src := &gatedSource{gate: make(chan struct{}), err: errors.New("boom")}
	close(src.gate)
	h := NewHolder(src, nil, nil)
	if err := h.Refresh(context.Background()); err == nil {
		t.Fatal("Refresh succeeded")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	if _, err := h.Wait(ctx); err == nil || !strings.Contains(err.Error(), "boom") {
		t.Fatalf("Wait = %v", err)
	}
	b, err := New(Config{Holder: h, SigningSecret: "s"})
	if err != nil {
		t.Fatal(err)
	}
	if m := b.Reply("payments-api", ""); !strings.Contains(m.Text, "could not be loaded") || !strings.Contains(m.Text, "boom") {
		t.Fatalf("Reply = %s", m.Text)
	}
}
