// Command slashload measures how fast serve answers /prodready: it loads a
// catalog of N services (default 10,000, made from the demo's), serves the
// bot's real HTTP handler on loopback, and sends signed slash commands at a
// fixed rate (open loop: one every 1/rate, whether or not the previous one
// returned), then prints latency percentiles measured inside the server
// (handler time) and at the client (round trip over loopback).
//
//	go run ./cmd/slashload -services 10000 -rate 200 -duration 30s
//
// The mix is mostly service lookups (by identifier or title), some
// `team <team>`, and a few misspellings, which take the "did you mean"
// path: the only one that scans the catalog.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

func main() {
	services := flag.Int("services", 10000, "services in the catalog")
	teams := flag.Int("teams", 100, "owning teams")
	rate := flag.Float64("rate", 200, "requests per second")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	teamShare := flag.Float64("team", 0.10, "share of \"team <team>\" commands")
	missShare := flag.Float64("miss", 0.02, "share of misspelt service names (the scanning \"did you mean\" path)")
	target := flag.Duration("p99", 10*time.Millisecond, "exit 1 when the server-side p99 exceeds this")
	flag.Parse()
	if err := run(*services, *teams, *rate, *duration, *teamShare, *missShare, *target); err != nil {
		fmt.Fprintln(os.Stderr, "slashload:", err)
		os.Exit(1)
	}
}

type sample struct {
	kind           string
	server, client time.Duration
	status         int
}

func run(n, nteams int, rate float64, duration time.Duration, teamShare, missShare float64, target time.Duration) error {
	if n < 1 || nteams < 1 || rate <= 0 || duration <= 0 {
		return fmt.Errorf("-services, -teams, -rate and -duration must be positive")
	}
	ctx := context.Background()
	now := time.Now()
	b, err := demo.Scaled(ctx, now, n, nteams)
	if err != nil {
		return err
	}
	secret := randomHex(16)
	h := slackapp.NewHolder(static{b}, nil, nil)
	start := time.Now()
	if err := h.Refresh(ctx); err != nil {
		return err
	}
	fmt.Printf("catalog: %d services, %d scorecards, %d teams; evaluated in %s\n", n, len(b.Scorecards), nteams, time.Since(start).Round(time.Millisecond))
	bt, err := slackapp.New(slackapp.Config{Holder: h, SigningSecret: secret, Log: slog.New(slog.DiscardHandler), Console: io.Discard})
	if err != nil {
		return err
	}

	// The server side: the bot's own handler, timed from the first byte of
	// the request reaching the handler to the last byte of the answer.
	var mu sync.Mutex
	server := map[string]time.Duration{} // request id -> handler time
	handler := bt.Handler()
	timed := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t0 := time.Now()
		handler.ServeHTTP(w, r)
		d := time.Since(t0)
		mu.Lock()
		server[r.Header.Get("X-Load-Id")] = d
		mu.Unlock()
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: timed}
	go srv.Serve(ln)
	defer srv.Close()
	cmdURL := "http://" + ln.Addr().String() + slackapp.CommandPath

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512, MaxConnsPerHost: 0}, Timeout: 5 * time.Second}
	ents := b.Catalog.Entities
	total := int(rate * duration.Seconds())
	samples := make([]sample, total)
	var wg sync.WaitGroup
	tick := time.Duration(float64(time.Second) / rate)
	begin := time.Now()
	rng := mrand.New(mrand.NewPCG(1, 2))
	for i := 0; i < total; i++ {
		if d := time.Until(begin.Add(time.Duration(i) * tick)); d > 0 {
			time.Sleep(d)
		}
		kind, text := "service", ""
		e := &ents[rng.IntN(len(ents))]
		switch p := rng.Float64(); {
		case p < missShare:
			kind, text = "did-you-mean", e.Identifier[:len(e.Identifier)-1]+"x"
		case p < missShare+teamShare:
			kind, text = "team", fmt.Sprintf("team team-%03d", rng.IntN(nteams))
		case p < missShare+teamShare+0.3:
			text = e.Title
		default:
			text = e.Identifier
		}
		wg.Add(1)
		go func(i int, kind, text string) {
			defer wg.Done()
			samples[i] = send(client, cmdURL, secret, strconv.Itoa(i), kind, text)
		}(i, kind, text)
	}
	wg.Wait()
	elapsed := time.Since(begin)
	mu.Lock()
	for i := range samples {
		samples[i].server = server[strconv.Itoa(i)]
	}
	mu.Unlock()

	bad := 0
	for _, s := range samples {
		if s.status != http.StatusOK {
			bad++
		}
	}
	fmt.Printf("sent %d signed commands in %s (%.1f req/s over loopback), %d not 200\n", total, elapsed.Round(time.Millisecond), float64(total)/elapsed.Seconds(), bad)
	fmt.Printf("%-14s %6s %9s %9s %9s %9s   %s\n", "kind", "n", "p50", "p90", "p99", "max", "(server side; client round trip p99)")
	overall := report("all", samples)
	for _, k := range []string{"service", "team", "did-you-mean"} {
		var sub []sample
		for _, s := range samples {
			if s.kind == k {
				sub = append(sub, s)
			}
		}
		if len(sub) > 0 {
			report(k, sub)
		}
	}
	if bad > 0 {
		return fmt.Errorf("%d requests failed", bad)
	}
	if overall > target {
		return fmt.Errorf("server-side p99 %s is above the %s target", overall, target)
	}
	return nil
}

// report prints percentiles and returns the server-side p99.
func report(kind string, s []sample) time.Duration {
	srv := make([]time.Duration, len(s))
	cli := make([]time.Duration, len(s))
	for i := range s {
		srv[i], cli[i] = s[i].server, s[i].client
	}
	sort.Slice(srv, func(i, j int) bool { return srv[i] < srv[j] })
	sort.Slice(cli, func(i, j int) bool { return cli[i] < cli[j] })
	q := func(d []time.Duration, p float64) time.Duration {
		return d[int(math.Ceil(p*float64(len(d))))-1]
	}
	fmt.Printf("%-14s %6d %9s %9s %9s %9s   client p99 %s\n", kind, len(s), r(q(srv, .50)), r(q(srv, .90)), r(q(srv, .99)), r(srv[len(srv)-1]), r(q(cli, .99)))
	return q(srv, .99)
}

func r(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }

func send(c *http.Client, cmdURL, secret, id, kind, text string) sample {
	form := url.Values{
		"token": {"load"}, "team_id": {"T0LOAD"}, "channel_id": {"C0LOAD"}, "user_id": {"U0LOAD"},
		"command": {"/prodready"}, "text": {text}, "response_url": {"http://127.0.0.1:1/unused"},
	}
	body := form.Encode() + "&n=" + id // unique, so no two requests share a signature
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	req, _ := http.NewRequest(http.MethodPost, cmdURL, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Slack-Request-Timestamp", ts)
	req.Header.Set("X-Slack-Signature", slackemu.Sign(secret, ts, []byte(body)))
	req.Header.Set("X-Load-Id", id)
	t0 := time.Now()
	resp, err := c.Do(req)
	if err != nil {
		return sample{kind: kind, client: time.Since(t0)}
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return sample{kind: kind, client: time.Since(t0), status: resp.StatusCode}
}

type static struct{ b *scorecard.Bundle }

func (s static) Describe() string { return "slashload catalog" }
func (s static) Load(context.Context, time.Time) (*scorecard.Bundle, error) {
	return s.b, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}
