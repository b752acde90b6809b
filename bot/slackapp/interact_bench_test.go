package slackapp

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
)

// benchBot is a bot answering from an evaluation of n services, over the
// emulator, without running its servers: the benchmark calls the handler.
func benchBot(b *testing.B, n int) (*Bot, *slackemu.Server, *Evaluated) {
	b.Helper()
	emu := slackemu.New(b)
	s := bigTeam(b, n)
	h := NewHolder(nil, nil, nil)
	h.cur.Store(s)
	bot, err := New(Config{Holder: h, SigningSecret: emu.SigningSecret(), BotToken: emu.BotToken(), APIURL: emu.URL(),
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return bot, emu, s
}

// BenchmarkInteractionRoundTrip is one Show all rules click at 10,000
// services: the signature checked, the service looked up, the answer
// rendered and posted to the response_url (the emulator, on loopback).
// It reports the 99th percentile.
func BenchmarkInteractionRoundTrip(b *testing.B) {
	bot, emu, s := benchBot(b, 10000)
	h := bot.Handler()
	ctx := context.Background()
	var took []time.Duration
	i := 0
	for b.Loop() {
		b.StopTimer()
		id := s.Evaluation.Catalog.Entities[(i*7919)%len(s.Evaluation.Catalog.Entities)].Identifier
		i++
		req, _, err := emu.InteractionRequest(ctx, "http://bot"+InteractionPath, slackemu.Interaction{ActionID: actAllRules, Value: id})
		if err != nil {
			b.Fatal(err)
		}
		rec := httptest.NewRecorder()
		b.StartTimer()
		start := time.Now()
		h.ServeHTTP(rec, req)
		took = append(took, time.Since(start))
		if rec.Code != http.StatusOK {
			b.Fatalf("%d %s", rec.Code, rec.Body)
		}
	}
	b.StopTimer()
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
	if n := len(emu.Responses("")); n != len(took) {
		b.Fatalf("%d answers for %d clicks", n, len(took))
	}
}

// BenchmarkAppHomePublish500 is opening the Home tab for a user owning 500
// services: users.info, the view built, views.publish (the emulator
// checks every Block Kit limit).
func BenchmarkAppHomePublish500(b *testing.B) {
	bot, emu, _ := benchBot(b, 500)
	u := emu.AddUser("owner@example.com")
	ctx := context.Background()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if err := bot.PublishHome(ctx, u.ID); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")

}
