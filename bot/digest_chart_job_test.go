package bot

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodready/prodready/bot/chart"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
)

// The digests' charts go into the digest's thread, with a comment that
// says the share at target; the console writes them to the chart directory.
func TestDigestChartInThread(t *testing.T) {
	tests := []struct {
		job    string
		size   chart.Size
		period string
	}{
		{jobs.Monthly, chart.Large, "12 months"},
		{jobs.Weekly, chart.Small, "8 weeks"},
		{jobs.Quarterly, chart.Large, "8 quarters"},
	}
	for _, tt := range tests {
		t.Run(tt.job, func(t *testing.T) {
			w := dgNewWorld(t)
			out := w.run(w.jobs(), tt.job, engine.RunOptions{})
			if out.Sent != 1 {
				t.Fatalf("sent %d, want 1", out.Sent)
			}
			msgs := w.emu.Messages(w.reports)
			if len(msgs) != 1 {
				t.Fatalf("the channel shows %d messages, want the digest alone", len(msgs))
			}
			files := w.emu.Files()
			if len(files) != 1 {
				t.Fatalf("%d files uploaded, want 1", len(files))
			}
			f := files[0]
			if f.ThreadTS != msgs[0].TS || len(f.Channels) != 1 || f.Channels[0] != w.reports {
				t.Errorf("chart shared in %v, thread %q; want %s, the digest's thread %q", f.Channels, f.ThreadTS, w.reports, msgs[0].TS)
			}
			replies := w.emu.Replies(w.reports, msgs[0].TS)
			if len(replies) != 1 || len(replies[0].Files) != 1 || replies[0].Files[0] != f.ID {
				t.Fatalf("thread replies %+v, want the chart", replies)
			}
			// The demo world's target is the top level, Gold: 2 of 8 services.
			for _, want := range []string{tt.period, "25% of 8 services at Gold"} {
				if !strings.Contains(replies[0].Text, want) {
					t.Errorf("comment %q lacks %q", replies[0].Text, want)
				}
			}
			img, err := png.Decode(bytes.NewReader(f.Content))
			if err != nil {
				t.Fatalf("the chart is not a PNG: %v", err)
			}
			if b := img.Bounds(); b.Dx() != tt.size.Width || b.Dy() != tt.size.Panel {
				t.Errorf("chart %dx%d, want %dx%d", b.Dx(), b.Dy(), tt.size.Width, tt.size.Panel)
			}

			// Console mode (a dry run here) writes the same chart to the chart directory.
			out = w.run(w.jobs(), tt.job, engine.RunOptions{DryRun: true})
			if len(out.Files) != 1 {
				t.Fatalf("dry run wrote %v, want one chart", out.Files)
			}
			data, err := os.ReadFile(out.Files[0])
			if err != nil {
				t.Fatal(err)
			}
			if _, err := png.Decode(bytes.NewReader(data)); err != nil || !strings.HasSuffix(filepath.Base(out.Files[0]), ".png") {
				t.Errorf("console chart %s: %v", out.Files[0], err)
			}
		})
	}
}
