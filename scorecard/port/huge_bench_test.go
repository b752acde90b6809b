package port_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/emulator"
	"github.com/prodready/prodready/scorecard/port"
)

// benchHuge asks for entities from an emulator that answers the search
// with fault, with the default bounds; client-heap-MB is the peak live heap
// above the one before the fetch. An error is expected: the answer is
// larger than a page may be.
func benchHuge(b *testing.B, fault emulator.Fault) {
	srv := newEmulator(b, 1, now)
	fault.Path, fault.Times = "/v1/blueprints/service/entities/search", -1
	srv.Inject(fault)
	cfg := testConfig(srv)
	cfg.RequestTimeout, cfg.RetryBudget = time.Minute, 5*time.Minute // time is not the bound under test
	runtime.GC()
	base := heapNow()
	peak := startHeapPeak()
	for b.Loop() {
		if _, err := port.New(cfg).FetchEntities(context.Background(), nil); err == nil {
			b.Fatal("a huge answer was accepted")
		}
	}
	p := peak.Stop()
	b.ReportMetric(float64(p-min(p, base))/(1<<20), "client-heap-MB")
}

// A 200 MB answer.
func BenchmarkHugeAnswer200MB(b *testing.B) { benchHuge(b, emulator.Fault{Huge: 200 << 20}) }

// A gzip bomb that inflates to 1 GiB.
func BenchmarkGzipBomb1GiB(b *testing.B) { benchHuge(b, emulator.Fault{Huge: 1 << 30, Bomb: true}) }
