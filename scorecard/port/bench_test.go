package port_test

import (
	"context"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/port"
)

// heapPeak samples the live heap while a benchmark runs. runtime/metrics
// reads it without stopping the world, so sampling every millisecond does
// not distort the figures much.
type heapPeak struct {
	stop chan struct{}
	wg   sync.WaitGroup
	peak uint64
}

func heapNow() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

func startHeapPeak() *heapPeak {
	h := &heapPeak{stop: make(chan struct{})}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			h.peak = max(h.peak, heapNow())
			select {
			case <-h.stop:
				return
			case <-t.C:
			}
		}
	}()
	return h
}

func (h *heapPeak) Stop() uint64 {
	close(h.stop)
	h.wg.Wait()
	return h.peak
}

// benchLoad fetches n entities from the emulator over loopback (token,
// scorecards, n/1000 gzip pages, teams) and evaluates them. peak-heap-MB is
// the whole process (the emulator's catalog and its encoding included);
// client-heap-MB is the peak above the heap before the first fetch.
func benchLoad(b *testing.B, n int) {
	srv := newEmulator(b, n, now)
	cfg := testConfig(srv)
	cfg.RequestTimeout = time.Minute
	cfg.RetryBudget = 5 * time.Minute
	ctx := context.Background()
	runtime.GC()
	base := heapNow()
	peak := startHeapPeak()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		bundle, err := port.Source{Client: port.New(cfg)}.Load(ctx, now)
		if err != nil {
			b.Fatal(err)
		}
		ev := bundle.Evaluate(now)
		if len(ev.Catalog.Entities) != n {
			b.Fatalf("%d entities", len(ev.Catalog.Entities))
		}
	}
	b.StopTimer()
	p := peak.Stop()
	// One request per page of 1000, no more: paging stays linear.
	if got, want := len(srv.RequestsTo("POST", "/v1/blueprints/service/entities/search")), b.N*((n+999)/1000); got != want {
		b.Errorf("%d search requests for %d loads of %d entities; want %d", got, b.N, n, want)
	}
	b.ReportMetric(float64(p)/(1<<20), "peak-heap-MB")
	b.ReportMetric(float64(p-min(p, base))/(1<<20), "client-heap-MB")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/entity")
}

// Target: ≤ 1.5 s and ≤ 250 MB peak.
func BenchmarkLoadEvaluate10k(b *testing.B) { benchLoad(b, 10_000) }

// Must work, with memory linear in n (compare client-heap-MB per entity with 10k).
func BenchmarkLoadEvaluate100k(b *testing.B) { benchLoad(b, 100_000) }
