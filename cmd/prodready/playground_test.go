package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/bot/slackemu"
)

// syncBuffer is a bytes.Buffer the bot and the test may write and read
// at once.
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

// newTestPlayWorld is the playground's world on the embedded demo, with
// vars as the environment.
func newTestPlayWorld(t *testing.T, vars map[string]string, o playOptions) (*playWorld, *syncBuffer) {
	t.Helper()
	var out, errb syncBuffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	s, err := e.settings()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	w, err := newPlayWorld(ctx, e, s, o)
	if err != nil {
		t.Fatalf("%v\n%s", err, errb.String())
	}
	t.Cleanup(w.close)
	return w, &errb
}

// TestPlaygroundDigestShowsTheDrift: the controls run the digest through
// the engine, and a week on the demo has drifted, so the second digest
// reports what moved and has a chart in its thread.
func TestPlaygroundDigestShowsTheDrift(t *testing.T) {
	w, _ := newTestPlayWorld(t, nil, playOptions{start: playPictureTime})
	ctx := context.Background()
	ctl := playControls{w}
	if err := ctl.RunWeeklyDigest(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.AdvanceWeek(ctx); err != nil {
		t.Fatal(err)
	}
	if err := ctl.RunWeeklyDigest(ctx); err != nil {
		t.Fatal(err)
	}
	last, err := w.lastPost(w.reports)
	if err != nil {
		t.Fatal(err)
	}
	text := string(last.Blocks)
	for _, want := range []string{"week of 30 Nov 2026", "since last week", "*What moved*", "Promoted", "Demoted"} {
		if !strings.Contains(text, want) {
			t.Errorf("the second digest does not say %q:\n%s", want, text)
		}
	}
	if w.chartOf(last) == nil {
		t.Error("the second digest has no chart in its thread")
	}
}

// TestPlaygroundNeverTalksToSlack: with Slack's variables set, the bot
// answers (an unknown command with its own help) and posts digests
// through the emulator, and the Slack those variables name hears nothing.
// What the bot does not know is answered by the bot, as in Slack (it takes
// an unknown word for a service name).
func TestPlaygroundNeverTalksToSlack(t *testing.T) {
	var calls atomic.Int64
	slack := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		http.Error(w, "not here", http.StatusTeapot)
	}))
	defer slack.Close()
	w, _ := newTestPlayWorld(t, map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-real-token", "SLACK_API_URL": slack.URL + "/api/",
		"SLACK_SIGNING_SECRET": "real-secret"}, playOptions{})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	r, err := w.emu.SendSlashCommand(ctx, w.botURL+slackapp.CommandPath, slackemu.SlashCommand{Command: "/prodready", Text: "frobnicate the cluster",
		UserID: w.engineer.ID, ChannelID: w.reports})
	if err != nil {
		t.Fatal(err)
	}
	answer := string(r.Body)
	if r.Message == nil || len(r.Message.Blocks) == 0 {
		posts, err := w.emu.WaitResponses(ctx, r.ResponseURL, 1)
		if err != nil {
			t.Fatal(err)
		}
		answer = posts[0].Text + string(posts[0].Blocks)
	}
	if !strings.Contains(answer, "No service named `frobnicate the cluster`") {
		t.Errorf("an unknown command did not get the bot's own answer: %s", answer)
	}
	if err := (playControls{w}).RunWeeklyDigest(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := w.lastPost(w.reports); err != nil {
		t.Errorf("the digest did not reach the emulator: %v", err)
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the Slack named by SLACK_API_URL got %d calls", n)
	}
}

// TestPlaygroundCommand runs `prodready playground` on a port in use: it
// takes the next one and says so, says SLACK_BOT_TOKEN is not used, prints
// the page's URL, serves the page, and stops when its context ends.
func TestPlaygroundCommand(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	pr, pw := io.Pipe()
	var errb syncBuffer
	vars := map[string]string{"SLACK_BOT_TOKEN": "xoxb-1-real-token"}
	e := &env{stdout: pw, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := make(chan int, 1)
	go func() {
		code <- run(ctx, e, []string{"playground", "--listen", taken.Addr().String()})
		pw.Close()
	}()
	var url string
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if _, after, ok := strings.Cut(sc.Text(), "open "); ok {
			url, _, _ = strings.Cut(after, " ")
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if url == "" || strings.HasSuffix(url, taken.Addr().String()+"/") {
		t.Fatalf("no URL, or the port in use: %q\n%s", url, errb.String())
	}
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(page), playReports) {
		t.Errorf("the page: %s\n%.500s", resp.Status, page)
	}
	cancel()
	if c := <-code; c != exitOK {
		t.Errorf("exit %d", c)
	}
	for _, want := range []string{"is in use", "SLACK_BOT_TOKEN is set and not used", "never to Slack"} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr does not say %q:\n%s", want, errb.String())
		}
	}
}
