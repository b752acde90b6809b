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
	s, err := e.settings()
	if err != nil {
		return nil, err
	}
	portID := s.port.ClientID != ""
	if !portID && s.port.ClientSecret != "" {
		fmt.Fprintln(e.stderr, "prodready: PORT_CLIENT_SECRET is set but PORT_CLIENT_ID is not: not reading Port")
	}
	if f.catalog == "" && len(f.scorecards) == 0 && portID {
		return port.Source{Client: portClient(e, s, opts...)}, nil
	}
	catalog := f.catalog
	if catalog == "" {
		catalog = s.catalog
	}
	scs := []string(f.scorecards)
	if len(scs) == 0 {
		scs = s.scorecards
	}
	if catalog == "" && len(scs) == 0 {
		return demo.Source{}, nil
	}
	return files.Source{Catalog: catalog, Scorecards: scs, Base: demo.Source{}}, nil
}

// portClient builds a Port client from the PORT_* settings; retries and
// failures are logged on stderr (from warnings up, unless
// PRODREADY_LOG_LEVEL says otherwise), never with a secret.
func portClient(e *env, s *settings, opts ...port.Option) *port.Client {
	return port.New(s.port, append([]port.Option{port.WithLogger(newLoggerAt(e, slog.LevelWarn))}, opts...)...)
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
