package bot

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/report/history/historytest"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/port"
	"github.com/prodready/prodready/scorecard/port/porttest"
)

// The fault tests run the digest and the team notices against emulators
// that misbehave, and count what reached Slack: every message once,
// nothing lost, nothing twice. Each logs its count.

// faultPort serves dgNewWorld's catalog from the Port emulator, and
// returns a source whose patience is short, so that a Port that does not
// answer fails a run in about a second.
func faultPort(t *testing.T, w *dgWorld) (*porttest.Server, scorecard.Source) {
	t.Helper()
	srv := porttest.NewServer()
	t.Cleanup(srv.Close)
	if err := srv.SetScorecards("service", []byte(dgLadderJSON)); err != nil {
		t.Fatal(err)
	}
	b, err := w.src.Load(context.Background(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	srv.SetEntities("service", b.Catalog.Entities)
	srv.SetTeams([]porttest.Team{{Name: "payments"}, {Name: "search"}, {Name: "platform"}})
	c := port.New(port.Config{ClientID: porttest.DefaultClientID, ClientSecret: porttest.DefaultClientSecret, BaseURL: srv.URL,
		RequestTimeout: 300 * time.Millisecond, Retries: 3, RetryWait: 20 * time.Millisecond, RetryMaxWait: 1500 * time.Millisecond, RetryBudget: 4 * time.Second})
	return srv, port.Source{Client: c}
}

func TestFaultPort(t *testing.T) {
	tests := []struct {
		name  string
		fault func(srv *porttest.Server)
		// down: Port cannot be reached this time; the digest reports the
		// last snapshot and says how old it is, and the notices wait.
		down bool
	}{
		{"429 with Retry-After", func(srv *porttest.Server) {
			srv.Inject(emulator.Fault{Status: http.StatusTooManyRequests, RetryAfter: "1", Times: 2})
		}, false},
		{"500", func(srv *porttest.Server) {
			srv.Inject(emulator.Fault{Status: http.StatusInternalServerError, Times: 2})
		}, false},
		{"slow, within the timeout", func(srv *porttest.Server) { srv.Inject(emulator.Fault{Delay: 150 * time.Millisecond, Times: 4}) }, false},
		{"expired token", func(srv *porttest.Server) { srv.Inject(emulator.Fault{ExpireToken: true, Times: 1}) }, false},
		{"slower than the timeout", func(srv *porttest.Server) { srv.Inject(emulator.Fault{Delay: 2 * time.Second, Times: -1}) }, true},
		{"not at all (connections dropped)", func(srv *porttest.Server) { srv.Inject(emulator.Fault{Drop: true, Times: -1}) }, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := dgNewWorld(t)
			srv, src := faultPort(t, w)
			w.source = src
			// A snapshot from two hours before.
			w.run(w.jobs(), jobs.Refresh, engine.RunOptions{})
			w.clock.add(2 * time.Hour)
			tt.fault(srv)

			digest := w.run(w.jobs(), jobs.Weekly, engine.RunOptions{})
			notices, err := w.jobs().Run(context.Background(), jobs.Notices, engine.RunOptions{})
			msgs := w.emu.Messages(w.reports)
			if digest.Sent != 1 || len(msgs) != 1 {
				t.Fatalf("digest: sent %d, channel has %d; want exactly 1: Port trouble must never skip a digest", digest.Sent, len(msgs))
			}
			text := dgText(t, msgs[0])
			stale := strings.Contains(text, "could not be loaded") && strings.Contains(text, "2 hours old")
			if stale != tt.down {
				t.Errorf("digest says it is 2 hours old: %v, want %v:\n%s", stale, tt.down, text)
			}
			if tt.down {
				if err == nil || notices.Sent != 0 {
					t.Errorf("notices with Port down: sent %d, err %v; want none sent and an error", notices.Sent, err)
				}
				srv.Close()
				_, w.source = faultPort(t, w)
				w.clock.add(time.Minute)
				if notices, err = w.jobs().Run(context.Background(), jobs.Notices, engine.RunOptions{}); err != nil {
					t.Fatalf("notices once Port is back: %v", err)
				}
			} else if err != nil {
				t.Fatalf("notices: %v", err)
			}
			posted, _, _ := tally(t, w.emu, append(w.noticeKeys(w.clock.Now()), w.weeklyKey(w.clock.Now())))
			if posted != 5 {
				t.Errorf("posted %d, want 5", posted)
			}
			faults := 0
			for _, r := range srv.Requests() {
				if r.Fault != "" {
					faults++
				}
			}
			t.Logf("Port answered %d requests with the fault", faults)
			if faults == 0 {
				t.Error("the fault never happened")
			}
		})
	}
}

// lateAnswers forwards to the Slack emulator but holds chat.postMessage's
// answers back for d after the emulator took the message: Slack accepted
// it, the client does not know.
func lateAnswers(t *testing.T, target string, d time.Duration, times int) string {
	t.Helper()
	u, err := url.Parse(target)
	base := *u
	base.Path = ""
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	rp := httputil.NewSingleHostReverseProxy(&base)
	rp.ModifyResponse = func(res *http.Response) error {
		if !strings.HasSuffix(res.Request.URL.Path, "/chat.postMessage") {
			return nil
		}
		mu.Lock()
		late := times > 0
		times--
		mu.Unlock()
		if late {
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			select {
			case <-time.After(d):
			case <-res.Request.Context().Done():
			}
			res.Body = io.NopCloser(strings.NewReader(string(body)))
		}
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv.URL + u.Path
}

func TestFaultSlack(t *testing.T) {
	tests := []struct {
		name   string
		setup  func(w *dgWorld)
		broken bool // the first run cannot send; a second one, once fixed, sends all
	}{
		{"429 with Retry-After", func(w *dgWorld) { w.emu.RateLimit("chat.postMessage", 2, time.Second) }, false},
		{"500", func(w *dgWorld) {
			for range 3 {
				w.emu.FailNext("chat.postMessage", http.StatusInternalServerError)
			}
		}, false},
		{"slow", func(w *dgWorld) { w.emu.Slow("chat.postMessage", 200*time.Millisecond) }, false},
		{"answers lost after Slack took the message", func(w *dgWorld) {
			api := lateAnswers(t, w.emu.URL(), 2*time.Second, 2)
			w.perChannel = 0
			hc := &http.Client{Timeout: 500 * time.Millisecond}
			w.wrap = func(blockkit.SlackPoster) blockkit.SlackPoster {
				return blockkit.NewDeliveryClient(w.emu.BotToken(), api, hc)
			}
		}, false},
		{"invalid_auth", func(w *dgWorld) {
			w.wrap = func(blockkit.SlackPoster) blockkit.SlackPoster {
				return blockkit.NewDeliveryClient("xoxb-revoked-or-mistyped", w.emu.URL(), nil)
			}
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := dgNewWorld(t)
			tt.setup(w)
			ctx := context.Background()
			_, derr := w.jobs().Run(ctx, jobs.Weekly, engine.RunOptions{})
			_, nerr := w.jobs().Run(ctx, jobs.Notices, engine.RunOptions{})
			if tt.broken {
				if derr == nil || nerr == nil || !strings.Contains(derr.Error(), "invalid_auth") {
					t.Fatalf("with a bad token: digest %v, notices %v; want invalid_auth errors", derr, nerr)
				}
				if n := len(w.emu.AllMessages()); n != 0 {
					t.Fatalf("%d messages with a bad token", n)
				}
				fs, _ := w.jobs().Store().Failures(ctx, time.Time{})
				if len(fs) == 0 {
					t.Errorf("the refused deliveries were not recorded for the next digest")
				}
				w.wrap = nil // the token is fixed
				w.clock.add(time.Minute)
				_, derr = w.jobs().Run(ctx, jobs.Weekly, engine.RunOptions{})
				_, nerr = w.jobs().Run(ctx, jobs.Notices, engine.RunOptions{})
			}
			if derr != nil || nerr != nil {
				t.Fatalf("digest: %v; notices: %v", derr, nerr)
			}
			posted, _, _ := tally(t, w.emu, append(w.noticeKeys(w.clock.Now()), w.weeklyKey(w.clock.Now())))
			if posted != 5 {
				t.Errorf("posted %d, want 5", posted)
			}
			faulted := 0
			for _, c := range w.emu.CallsTo("chat.postMessage") {
				if c.Status != http.StatusOK || c.Error != "" {
					faulted++
				}
			}
			t.Logf("Slack answered %d chat.postMessage calls with the fault", faulted)
			if faulted == 0 && (tt.name == "429 with Retry-After" || tt.name == "500" || tt.broken) {
				t.Error("the fault never happened")
			}
			if tt.name == "answers lost after Slack took the message" {
				posts, looks := len(w.emu.CallsTo("chat.postMessage")), len(w.emu.CallsTo("conversations.history"))
				t.Logf("%d chat.postMessage calls, %d conversations.history look-ups", posts, looks)
				if looks == 0 {
					t.Error("a post whose answer was lost was retried without looking in Slack first")
				}
			}
		})
	}
}

// lockDB takes SQLite's write lock on path from another connection, as
// another process would, until the returned function is called.
func lockDB(t *testing.T, path string) func() {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(context.Background(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	unlock := func() {
		once.Do(func() {
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		})
	}
	t.Cleanup(unlock)
	return unlock
}

// dgAfterPost calls hook after the n-th message Slack accepted.
type dgAfterPost struct {
	blockkit.SlackPoster
	mu   sync.Mutex
	n    int
	at   int
	hook func()
}

func (c *dgAfterPost) PostMessageContext(ctx context.Context, ch string, opts ...slack.MsgOption) (string, string, error) {
	a, b, err := c.SlackPoster.PostMessageContext(ctx, ch, opts...)
	c.mu.Lock()
	c.n++
	fire := c.n == c.at
	c.mu.Unlock()
	if fire {
		c.hook()
	}
	return a, b, err
}

func TestFaultDatabase(t *testing.T) {
	ctx := context.Background()
	t.Run("unreachable at start", func(t *testing.T) {
		w := dgNewWorld(t)
		w.db = filepath.Join(t.TempDir(), "not-yet", "history.db")
		_, err := history.OpenSQLite(ctx, w.db, history.Options{})
		if err == nil || !strings.Contains(err.Error(), w.db) {
			t.Fatalf("open %s: %v; want an error naming it", w.db, err)
		}
		if n := len(w.emu.AllMessages()); n != 0 {
			t.Fatalf("%d messages", n)
		}
		// Another process holds the lock: the open fails, naming it, and
		// nothing is sent.
		w.db = filepath.Join(t.TempDir(), "history.db")
		w.run(w.jobs(), jobs.Refresh, engine.RunOptions{})
		unlock := lockDB(t, w.db)
		_, err = history.OpenSQLite(ctx, w.db, history.Options{BusyTimeout: 100 * time.Millisecond})
		if !errors.Is(err, history.ErrLocked) || !strings.Contains(err.Error(), w.db) {
			t.Errorf("open while another process holds the lock: %v; want ErrLocked naming the file", err)
		}
		if n := len(w.emu.AllMessages()); n != 0 {
			t.Fatalf("%d messages sent with no database to record them", n)
		}
		unlock()
		w.run(w.jobs(), jobs.Weekly, engine.RunOptions{})
		w.run(w.jobs(), jobs.Notices, engine.RunOptions{})
		if posted, _, _ := tally(t, w.emu, append(w.noticeKeys(w.clock.Now()), w.weeklyKey(w.clock.Now()))); posted != 5 {
			t.Errorf("posted %d, want 5", posted)
		}
	})
	t.Run("lost in the middle of a run", func(t *testing.T) {
		w := dgNewWorld(t)
		w.workers = 1
		w.now = time.Now
		w.lease = time.Second
		w.storeOpts = history.Options{BusyTimeout: 100 * time.Millisecond}
		var unlock func()
		hook := &dgAfterPost{at: 2, hook: func() { unlock = lockDB(t, w.db) }}
		w.wrap = func(p blockkit.SlackPoster) blockkit.SlackPoster { hook.SlackPoster = p; return hook }
		out, err := w.jobs().Run(ctx, jobs.Notices, engine.RunOptions{})
		if err == nil || !strings.Contains(err.Error(), "could not be recorded") {
			t.Errorf("run that lost its database: %v; want the unrecorded message named", err)
		}
		if n := len(w.emu.AllMessages()); n != 2 {
			t.Errorf("%d messages went out after the database was lost, want 2: no claim, no post", n)
		}
		t.Logf("first run: sent %d, failed %d", out.Sent, out.Failed)
		unlock()
		w.wrap = nil
		again, err := w.jobs().Run(ctx, jobs.Notices, engine.RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(strings.Join(again.Notes, "\n"), "found in Slack") {
			t.Errorf("the unrecorded message should have been found in Slack: %q", again.Notes)
		}
		if posted, _, _ := tally(t, w.emu, w.noticeKeys(time.Now())); posted != 4 {
			t.Errorf("posted %d, want 4", posted)
		}
		if _, err := os.Stat(w.db); err != nil {
			t.Fatal(err)
		}
	})
}

// cuttableTCP forwards 127.0.0.1 connections to target until cut: then it
// drops every open connection and resets new ones, as a database host
// that went away, until restored.
type cuttableTCP struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]bool
}

func newCuttableTCP(t *testing.T, target string) *cuttableTCP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cuttableTCP{ln: ln, target: target, conns: map[net.Conn]bool{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.mu.Lock()
			down := p.down
			p.mu.Unlock()
			if down {
				c.Close()
				continue
			}
			go p.pipe(c)
		}
	}()
	return p
}

func (p *cuttableTCP) pipe(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[c], p.conns[up] = true, true
	p.mu.Unlock()
	go func() { io.Copy(up, c); up.Close() }()
	io.Copy(c, up)
	c.Close()
}

func (p *cuttableTCP) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *cuttableTCP) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// The Postgres server goes away at start, then in the middle of a run,
// after Slack took a message and before it was recorded.
func TestFaultPostgresUnreachable(t *testing.T) {
	ctx := context.Background()
	dsn := historytest.PostgresDSN(t) // skips, saying why, with no server
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	proxy := newCuttableTCP(t, u.Host)
	u.Host = proxy.ln.Addr().String()
	viaProxy := u.String()

	w := dgNewWorld(t)
	w.db = viaProxy
	w.workers = 1
	w.now = time.Now
	w.lease = time.Second

	proxy.cut()
	if _, err := history.Open(ctx, viaProxy, history.Options{}); err == nil || !strings.Contains(err.Error(), proxy.ln.Addr().String()) {
		t.Fatalf("open with the server unreachable: %v; want an error naming it", err)
	}
	proxy.restore()

	hook := &dgAfterPost{at: 2, hook: proxy.cut}
	w.wrap = func(p blockkit.SlackPoster) blockkit.SlackPoster { hook.SlackPoster = p; return hook }
	first, err := w.jobs().Run(ctx, jobs.Notices, engine.RunOptions{})
	if err == nil {
		t.Fatal("a run that lost its database reported no error")
	}
	t.Logf("first run, database lost after 2 posts: sent %d, failed %d: %v", first.Sent, first.Failed, err)
	if n := len(w.emu.AllMessages()); n != 2 {
		t.Errorf("%d messages went out, want 2: without the database nothing is claimed, so nothing is posted", n)
	}
	proxy.restore()
	w.wrap = nil
	again, err := w.jobs().Run(ctx, jobs.Notices, engine.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(again.Notes, "\n"), "found in Slack") {
		t.Errorf("the message posted but not recorded should have been found in Slack: %q", again.Notes)
	}
	if posted, _, _ := tally(t, w.emu, w.noticeKeys(time.Now())); posted != 4 {
		t.Errorf("posted %d, want 4", posted)
	}
}

// Port down at the very first digest, with no snapshot to fall back on:
// the run fails and says why (recorded and logged), rather than posting
// nothing silently; the next run, with Port back, sends the digest.
func TestFaultPortDownWithNoSnapshotYet(t *testing.T) {
	w := dgNewWorld(t)
	srv, src := faultPort(t, w)
	w.source = src
	srv.Inject(emulator.Fault{Status: http.StatusServiceUnavailable, Times: -1})
	ctx := context.Background()
	j := w.jobs()
	out, err := j.Run(ctx, jobs.Weekly, engine.RunOptions{})
	if err == nil || !strings.Contains(err.Error(), "no stored snapshot") || out.Sent != 0 {
		t.Fatalf("sent %d, err %v; want an error saying there is no snapshot to report", out.Sent, err)
	}
	runs, _ := j.Store().Runs(ctx, jobs.Weekly, out.Period)
	if len(runs) != 1 || runs[0].Status != history.RunFailed || !strings.Contains(runs[0].Detail, "no stored snapshot") {
		t.Errorf("the failed digest is not recorded as such: %+v", runs)
	}
	srv.Close()
	_, w.source = faultPort(t, w)
	w.clock.add(time.Minute)
	w.run(w.jobs(), jobs.Weekly, engine.RunOptions{})
	if posted, _, _ := tally(t, w.emu, []string{w.weeklyKey(w.clock.Now())}); posted != 1 {
		t.Errorf("posted %d, want 1", posted)
	}
}
