package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard/demo"
)

// benchCatalog writes a catalog of n services (as cmd/gencatalog does)
// into a temporary file, and returns its path and size.
func benchCatalog(b *testing.B, n int) (string, int64) {
	b.Helper()
	bd, err := demo.Scaled(context.Background(), time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), n, 100)
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Create(filepath.Join(b.TempDir(), "catalog.json"))
	if err != nil {
		b.Fatal(err)
	}
	var buf []byte
	buf = append(buf, '[')
	for i := range bd.Catalog.Entities {
		if i > 0 {
			buf = append(buf, ',', '\n')
		}
		buf, err = appendJSON(buf, &bd.Catalog.Entities[i])
		if err != nil {
			b.Fatal(err)
		}
	}
	buf = append(buf, ']', '\n')
	if _, err := f.Write(buf); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	return f.Name(), int64(len(buf))
}

// benchCheck runs `prodready check` in-process, as the command line would,
// from reading the catalog file to the last byte of output (discarded).
func benchCheck(b *testing.B, n int, args ...string) {
	path, size := benchCatalog(b, n)
	e := &env{stdout: io.Discard, stderr: io.Discard, getenv: func(string) string { return "" }}
	args = append([]string{"check", "--catalog", path, "--now", "2026-11-26T09:00:00Z"}, args...)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		if code := run(context.Background(), e, args); code > exitBelow {
			b.Fatalf("exit %d", code)
		}
	}
}

// BenchmarkCheckJSON: `check --format json` over the whole catalog.
func BenchmarkCheckJSON(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) { benchCheck(b, n, "--format", "json") })
	}
}

// BenchmarkCheckServiceGate: `check SERVICE --min-level Silver`, the CI
// gate of one service in a large catalog.
func BenchmarkCheckServiceGate(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("services=%d", n), func(b *testing.B) { benchCheck(b, n, "payments-api-00000", "--min-level", "Silver") })
	}
}

func appendJSON(buf []byte, v any) ([]byte, error) {
	data, err := json.Marshal(v)
	return append(buf, data...), err
}
