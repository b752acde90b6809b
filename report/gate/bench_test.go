package gate

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// BenchmarkFormats writes each of check's outputs for an evaluation of n
// services of the demo's scorecards (evaluated once, outside the timing):
// what the gate adds to a check over the catalog. `baseline` reads a
// previous --format json output, compares with it and says the result.
//
//	go test -run '^$' -bench 'Formats/.*/services=10000' -benchmem ./report/gate/
func BenchmarkFormats(b *testing.B) {
	for _, n := range []int{1_000, 10_000, 100_000} {
		var ev *scorecard.Evaluation
		var ranks, entities []int
		setup := func(b *testing.B) {
			if ev != nil {
				return
			}
			now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
			d, err := demo.Scaled(context.Background(), now, n, 100)
			if err != nil {
				b.Fatal(err)
			}
			ev = scorecard.Evaluate(now, d.Scorecards, d.Catalog)
			entities = all(n)
			ranks = make([]int, len(ev.Scorecards))
			for si, sc := range ev.Scorecards {
				ranks[si] = sc.LevelRankFold("Silver")
			}
		}
		formats := []struct {
			name  string
			write func(b *testing.B, base string) error
		}{
			{"text", func(*testing.B, string) error { return WriteText(io.Discard, "text", ev, entities, nil) }},
			{"json", func(*testing.B, string) error { return WriteJSON(io.Discard, ev, entities) }},
			{"gate", func(*testing.B, string) error { return WriteGate(bufioDiscard(), ev, entities, ranks, "Silver") }},
			{"github", func(b *testing.B, _ string) error { return newRun(b, ev, entities, ranks, "").WriteGitHub(io.Discard) }},
			{"junit", func(b *testing.B, _ string) error { return newRun(b, ev, entities, ranks, "").WriteJUnit(io.Discard) }},
			{"markdown", func(b *testing.B, _ string) error {
				return newRun(b, ev, entities, ranks, "").WriteMarkdown(io.Discard)
			}},
			{"baseline", func(b *testing.B, base string) error {
				var below []Below
				for _, ei := range entities {
					below = AppendBelow(below, ev, ei, "Silver", ranks)
				}
				newRun(b, ev, entities, ranks, base).GateOnBaseline(io.Discard, below)
				return nil
			}},
		}
		for _, f := range formats {
			b.Run(fmt.Sprintf("%s/services=%d", f.name, n), func(b *testing.B) {
				setup(b)
				base := ""
				if f.name == "baseline" {
					base = filepath.Join(b.TempDir(), "baseline.json")
					out, err := os.Create(base)
					if err != nil {
						b.Fatal(err)
					}
					if err := WriteJSON(out, ev, entities); err != nil {
						b.Fatal(err)
					}
					out.Close()
				}
				b.ReportAllocs()
				for b.Loop() {
					if err := f.write(b, base); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func newRun(b *testing.B, ev *scorecard.Evaluation, entities, ranks []int, base string) *Run {
	run, err := NewRun(ev, entities, nil, "Silver", ranks, base)
	if err != nil {
		b.Fatal(err)
	}
	return run
}

func bufioDiscard() *bufio.Writer { return bufio.NewWriterSize(io.Discard, 64<<10) }
