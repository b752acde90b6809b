// Command simhistory writes a simulated history into a prodready history
// database, as `prodready serve` would over a span of time (simulated: it
// does not wait), and prints the database's size, the time each save
// took, and the time the weekly and monthly digests spend reading it.
//
//	go run ./cmd/simhistory -services 10000 -days 365 -every 15m -churn 0.01
//	go run ./cmd/simhistory -db 'postgres://postgres@127.0.0.1:5432/test?search_path=sim' ...
//
// Services change one rule's outcome each at the daily rate -churn; each
// refresh stores a snapshot and prunes past -retention, as the refresh job
// does. Without -db it writes a SQLite file in a temporary directory,
// removed at the end unless -keep.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"time"

	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/report/history/historysim"
)

type config struct {
	db             string
	keep           bool
	services       int
	teams          int
	days           float64
	every          time.Duration
	churn          float64
	variety        bool
	seed           uint64
	retention      time.Duration
	reportEvery    float64 // days
	start          time.Time
	digestAtReport bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "simhistory:", err)
		os.Exit(2)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	var c config
	fs := flag.NewFlagSet("simhistory", flag.ContinueOnError)
	fs.StringVar(&c.db, "db", "", "history database: a SQLite file or a postgres:// URL (empty: a new SQLite file in a temporary directory)")
	fs.BoolVar(&c.keep, "keep", false, "keep the temporary SQLite file (printed at the end)")
	fs.IntVar(&c.services, "services", 10000, "services in the catalog")
	fs.IntVar(&c.teams, "teams", 0, "teams owning them (0: one per 50 services)")
	fs.Float64Var(&c.days, "days", 28, "days of history to write")
	fs.DurationVar(&c.every, "every", 15*time.Minute, "time between refreshes")
	fs.Float64Var(&c.churn, "churn", 0.01, "share of services that change one rule's outcome per day")
	fs.BoolVar(&c.variety, "variety", false, "add renames, team moves, new and removed services, and a scorecard that gains a rule halfway")
	fs.Uint64Var(&c.seed, "seed", 1, "random seed")
	fs.DurationVar(&c.retention, "retention", history.DefaultRetention, "prune what is older than this at each refresh, as the refresh job does")
	fs.Float64Var(&c.reportEvery, "report-days", 7, "print the figures every this many simulated days")
	fs.BoolVar(&c.digestAtReport, "digest-each-report", false, "time the digests' reads at each report, not only at the end")
	start := fs.String("start", "2026-01-01T00:00:00Z", "time of the first snapshot (RFC 3339)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if c.start, err = time.Parse(time.RFC3339, *start); err != nil {
		return fmt.Errorf("-start: %w", err)
	}
	if c.services <= 0 || c.days <= 0 || c.every <= 0 || c.churn < 0 || c.retention <= 0 || c.reportEvery <= 0 {
		return errors.New("-services, -days, -every, -retention and -report-days must be above 0, -churn not below")
	}
	if c.db == "" {
		dir, err := os.MkdirTemp("", "simhistory")
		if err != nil {
			return err
		}
		if !c.keep {
			defer os.RemoveAll(dir)
		}
		c.db = filepath.Join(dir, "history.db")
	}
	return simulate(ctx, c, out)
}

func simulate(ctx context.Context, c config, out io.Writer) error {
	st, err := history.Open(ctx, c.db, history.Options{BusyTimeout: time.Minute})
	if err != nil {
		return err
	}
	defer st.Close()
	g := historysim.New(historysim.Config{Services: c.services, Teams: c.teams, Start: c.start, Every: c.every,
		ChurnPerDay: c.churn, Variety: c.variety, Seed: c.seed})
	n := int(c.days * float64(24*time.Hour) / float64(c.every))
	perReport := max(1, int(c.reportEvery*float64(24*time.Hour)/float64(c.every)))
	fmt.Fprintf(out, "simhistory: %s (%s), %d services, %d snapshots every %s over %g days, churn %g/day, retention %s\n",
		st.Where(), st.Dialect(), c.services, n, c.every, c.days, c.churn, c.retention)
	var saves, prunes, window []time.Duration
	var now time.Time
	began := time.Now()
	for k := 0; k < n; k++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		snap := g.Next()
		now = snap.Taken
		t := time.Now()
		if _, err := st.SaveSnapshot(ctx, snap); err != nil {
			return fmt.Errorf("snapshot %d: %w", k, err)
		}
		d := time.Since(t)
		saves, window = append(saves, d), append(window, d)
		t = time.Now()
		if _, err := st.Prune(ctx, now, c.retention); err != nil {
			return fmt.Errorf("prune at snapshot %d: %w", k, err)
		}
		prunes = append(prunes, time.Since(t))
		if (k+1)%perReport == 0 || k == n-1 {
			size, err := st.Size(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "day %6.1f: %6d snapshots, %9s; saves p50 %s p99 %s max %s; %s elapsed\n",
				float64(k+1)*float64(c.every)/float64(24*time.Hour), k+1, mib(size),
				pct(window, 50), pct(window, 99), pct(window, 100), time.Since(began).Round(time.Second))
			window = window[:0]
			if c.digestAtReport && k < n-1 {
				if err := digests(ctx, st, now, out); err != nil {
					return err
				}
			}
		}
	}
	size, err := st.Size(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nsize %s after %d snapshots (%d bytes per snapshot)\n", mib(size), n, size/int64(max(n, 1)))
	fmt.Fprintf(out, "save:  p50 %s, p90 %s, p99 %s, max %s\n", pct(saves, 50), pct(saves, 90), pct(saves, 99), pct(saves, 100))
	fmt.Fprintf(out, "prune: p50 %s, p99 %s, max %s\n", pct(prunes, 50), pct(prunes, 99), pct(prunes, 100))
	fmt.Fprintln(out, "digests of the process that saved the snapshots (serve's leader, or prodready run):")
	if err := digests(ctx, st, now, out); err != nil {
		return err
	}
	// A process that has not saved the newest snapshot reads a snapshot
	// whole from the database.
	other, err := history.Open(ctx, c.db, history.Options{BusyTimeout: time.Minute})
	if err != nil {
		return err
	}
	defer other.Close()
	fmt.Fprintln(out, "digests of another process:")
	if err := digests(ctx, other, now, out); err != nil {
		return err
	}
	if st.Dialect() == "sqlite" {
		var files int64
		for _, suffix := range []string{"", "-wal"} {
			if fi, err := os.Stat(c.db + suffix); err == nil {
				files += fi.Size()
			}
		}
		fmt.Fprintf(out, "files on disk (database and WAL): %s\n", mib(files))
	}
	return nil
}

// digests times what the weekly and monthly digests read of the history:
// the snapshot a period back, whole, and the level mixes of the chart.
func digests(ctx context.Context, st *history.Store, now time.Time, out io.Writer) error {
	for _, d := range []struct {
		kind   report.Kind
		points int
	}{{report.Weekly, 7}, {report.Monthly, 11}} {
		t := time.Now()
		info, ok, err := st.LatestSnapshot(ctx, d.kind.Back(now, 1))
		if err != nil {
			return err
		}
		results := 0
		if ok {
			prev, err := st.LoadSnapshot(ctx, info.ID)
			if err != nil {
				return err
			}
			results = len(prev.Results)
		}
		var labels []string
		var at []time.Time
		for p := d.points; p >= 1; p-- {
			labels = append(labels, report.PeriodOf(d.kind, d.kind.Back(now, p)).Key)
			at = append(at, d.kind.Back(now, p))
		}
		mixes, err := st.Mixes(ctx, labels, at)
		if err != nil {
			return err
		}
		if _, _, err := st.LatestSnapshot(ctx, now); err != nil {
			return err
		}
		fmt.Fprintf(out, "  %s digest reads: %s (the snapshot a period back, %d results; %d level mixes of the chart)\n",
			d.kind, time.Since(t).Round(time.Millisecond), results, len(mixes))
	}
	return nil
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	i := min(len(s)-1, (len(s)*p)/100)
	return s[i].Round(10 * time.Microsecond)
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }
