package main

import (
	"flag"
	"strings"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
	"github.com/prodready/prodready/scorecard/files"
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
// flags, else PRODREADY_CATALOG/PRODREADY_SCORECARDS, else the embedded demo.
func pickSource(e *env, f sourceFlags) (scorecard.Source, error) {
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
