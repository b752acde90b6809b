// Command gencatalog writes a catalog of N services, made from the embedded
// demo's, as a JSON array of Port entities: the input of the benchmarks and
// of the performance figures in docs/performance.md.
//
//	go run ./cmd/gencatalog -services 100000 -o /tmp/catalog-100k.json
//
// Dates are written relative to -now (default: today at midnight UTC), so
// `prodready check --now` with the same time reproduces the same results.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/prodready/prodready/scorecard/demo"
)

func main() {
	n := flag.Int("services", 10000, "services in the catalog")
	teams := flag.Int("teams", 100, "owning teams")
	out := flag.String("o", "", "output `FILE` (default stdout)")
	nowFlag := flag.String("now", "", "dates are relative to this `RFC3339` time (default today, 00:00 UTC)")
	flag.Parse()
	if err := run(*n, *teams, *out, *nowFlag); err != nil {
		fmt.Fprintln(os.Stderr, "gencatalog:", err)
		os.Exit(1)
	}
}

func run(n, teams int, out, nowFlag string) error {
	now := time.Now().UTC().Truncate(24 * time.Hour)
	if nowFlag != "" {
		t, err := time.Parse(time.RFC3339, nowFlag)
		if err != nil {
			return fmt.Errorf("-now %q is not an RFC 3339 time", nowFlag)
		}
		now = t
	}
	b, err := demo.Scaled(context.Background(), now, n, teams)
	if err != nil {
		return err
	}
	f := os.Stdout
	if out != "" {
		if f, err = os.Create(out); err != nil {
			return err
		}
	}
	w := bufio.NewWriterSize(f, 1<<16)
	if _, err := w.WriteString("[\n"); err != nil {
		return err
	}
	// One entity per line: large catalogs stay greppable and diffable.
	for i := range b.Catalog.Entities {
		line, err := json.Marshal(&b.Catalog.Entities[i])
		if err != nil {
			return err
		}
		w.Write(line)
		if i < len(b.Catalog.Entities)-1 {
			w.WriteByte(',')
		}
		w.WriteByte('\n')
	}
	w.WriteString("]\n")
	if err := w.Flush(); err != nil {
		return fmt.Errorf("write %s: %w", out, err)
	}
	if f != os.Stdout {
		return f.Close()
	}
	return nil
}
