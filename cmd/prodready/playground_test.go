package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"
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
