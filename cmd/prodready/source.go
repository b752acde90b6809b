package main

import (
	"flag"
	"fmt"
	"log/slog"
	"strings"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
	"github.com/prodready/prodready/scorecard/files"
	"github.com/prodready/prodready/scorecard/port"
)

// sourceFlags are the catalog flags shared by the commands that evaluate.
type sourceFlags struct {
	catalog    string
	scorecards stringList
}

func (f *sourceFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&f.catalog, "catalog", "", "catalog `FILE`: a JSON array of Port entities, or Port's {\"entities\": [...]} (default $PRODREADY_CATALOG, else the embedded demo)")
	fs.Var(&f.scorecards, "scorecards", "scorecard definitions `FILE`; repeat for several (default $PRODREADY_SCORECARDS, comma-separated, else the embedded demo)")
}

// pickSource chooses where data comes from, the same way for every command:
// files named by flags, else Port when PORT_CLIENT_ID is set, else
// PRODREADY_CATALOG/PRODREADY_SCORECARDS, else the embedded demo.
// Options, if any, go to the Port client (metrics of its requests).
func pickSource(e *env, f sourceFlags, opts ...port.Option) (scorecard.Source, error) {
	portID := strings.TrimSpace(e.getenv("PORT_CLIENT_ID")) != ""
	if !portID && strings.TrimSpace(e.getenv("PORT_CLIENT_SECRET")) != "" {
		fmt.Fprintln(e.stderr, "prodready: PORT_CLIENT_SECRET is set but PORT_CLIENT_ID is not: not reading Port")
	}
	if f.catalog == "" && len(f.scorecards) == 0 && portID {
		c, err := portClient(e, opts...)
		if err != nil {
			return nil, err
		}
		return port.Source{Client: c}, nil
	}
	catalog := f.catalog
	if catalog == "" {
		catalog = strings.TrimSpace(e.getenv("PRODREADY_CATALOG"))
	}
	scs := []string(f.scorecards)
	if len(scs) == 0 {
		scs = splitList(e.getenv("PRODREADY_SCORECARDS"))
	}
	if catalog == "" && len(scs) == 0 {
		return demo.Source{}, nil
	}
	return files.Source{Catalog: catalog, Scorecards: scs, Base: demo.Source{}}, nil
}

// portClient builds a Port client from PORT_* variables; retries and
// failures are logged on stderr (from warnings up, unless
// PRODREADY_LOG_LEVEL says otherwise), never with a secret.
func portClient(e *env, opts ...port.Option) (*port.Client, error) {
	cfg, err := port.ConfigFromEnv(e.getenv)
	if err != nil {
		return nil, err
	}
	return port.New(cfg, append([]port.Option{port.WithLogger(newLoggerAt(e, slog.LevelWarn))}, opts...)...), nil
}

// stringList is a repeatable string flag.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Set(v string) error {
	*s = append(*s, v)
	return nil
}

func splitList(v string) []string {
	var out []string
	for _, p := range strings.Split(v, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
