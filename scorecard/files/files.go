// Package files reads a catalog (JSON or YAML) and scorecard definitions
// from files, and checks a catalog against its JSON Schema.
package files

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// Source reads Catalog and Scorecards from files. Whatever of the two is not
// given comes from Base (the embedded demo, in practice).
type Source struct {
	Catalog    string
	Scorecards []string
	Base       scorecard.Source
	// Only names the services wanted (check SERVICE...): a JSON catalog
	// is then decoded only where they are, and whole only when one of
	// them is not found (to suggest a name). A mistake elsewhere in the
	// file is not seen.
	Only []string
}

// Describe implements scorecard.Source.
func (s Source) Describe() string {
	var parts []string
	if s.Catalog != "" {
		parts = append(parts, "catalog "+s.Catalog)
	} else if s.Base != nil {
		parts = append(parts, "catalog from "+s.Base.Describe())
	}
	if len(s.Scorecards) > 0 {
		parts = append(parts, "scorecards "+strings.Join(s.Scorecards, ", "))
	} else if s.Base != nil {
		parts = append(parts, "scorecards from "+s.Base.Describe())
	}
	return "files: " + strings.Join(parts, "; ")
}

// Load implements scorecard.Source. Rejected scorecards are reported in the
// bundle's findings and left out; a file that cannot be read, or holds no
// usable scorecard at all, is an error.
func (s Source) Load(ctx context.Context, now time.Time) (*scorecard.Bundle, error) {
	b := &scorecard.Bundle{Origin: s.Describe()}
	if s.Base != nil && (s.Catalog == "" || len(s.Scorecards) == 0) {
		base, err := s.Base.Load(ctx, now)
		if err != nil {
			return nil, err
		}
		*b = *base
		b.Origin = s.Describe()
	}
	if len(s.Scorecards) > 0 {
		b.Scorecards, b.Findings = nil, nil
		for _, path := range s.Scorecards {
			scs, findings, err := ReadScorecards(path)
			if err != nil {
				return nil, err
			}
			b.Scorecards = append(b.Scorecards, scs...)
			b.Findings = append(b.Findings, findings...)
		}
		if len(b.Scorecards) == 0 {
			return nil, fmt.Errorf("no usable scorecard in %s:\n%w", strings.Join(s.Scorecards, ", "), b.Findings.Err())
		}
	}
	if s.Catalog != "" {
		cat, err := readCatalog(s.Catalog, s.Only)
		if err != nil {
			return nil, err
		}
		b.Catalog = cat
		b.Teams = teamsOf(cat)
		b.EntityURL = nil
	}
	return b, nil
}

// ReadScorecards reads and parses one definitions file.
func ReadScorecards(path string) ([]*scorecard.Scorecard, scorecard.Findings, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("read scorecards: %w", err)
	}
	scs, findings := scorecard.ParseScorecards(path, data)
	for _, sc := range scs {
		sc.File = path
	}
	return scs, findings, nil
}

// readCatalog reads the catalog at path: only the entities named by only,
// when the file allows it, else all of it.
func readCatalog(path string, only []string) (*scorecard.Catalog, error) {
	if len(only) > 0 {
		pieces, ok, err := ReadCatalogPieces(path, 1<<20)
		if err != nil {
			return nil, err
		}
		if ok {
			cat, found, err := pieces.Named(only)
			if err != nil {
				return nil, err
			}
			if found {
				return cat, nil
			}
		}
	}
	return ReadCatalog(path)
}

// ReadCatalogPieces reads a JSON catalog file cut into pieces of about
// size bytes (scorecard.SplitCatalog). ok is false for a YAML file or a
// directory, and for a catalog that ReadCatalog should read whole to say
// what is wrong with it.
func ReadCatalogPieces(path string, size int) (pieces *scorecard.CatalogPieces, ok bool, err error) {
	data, ok, err := ReadJSONCatalog(path)
	if err != nil || !ok {
		return nil, false, err
	}
	pieces, ok = scorecard.SplitCatalog(data, size)
	return pieces, ok, nil
}

// ReadJSONCatalog reads the catalog at path when it is one JSON file; ok
// is false for a YAML file or a directory, which ReadCatalog reads.
func ReadJSONCatalog(path string) (data []byte, ok bool, err error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, false, fmt.Errorf("read catalog: %w", err)
	}
	if info.IsDir() {
		return nil, false, nil
	}
	data, err = os.ReadFile(path)
	if err != nil {
		return nil, false, fmt.Errorf("read catalog: %w", err)
	}
	return data, !isYAML(path, data), nil
}

// ReadCatalog reads a catalog: a JSON file (see scorecard.ParseCatalog), a
// YAML file (a list of entities, or one entity per document), or a
// directory of *.yaml and *.yml files of one entity each. A YAML catalog is
// checked against CatalogSchema as it is read; its first error is returned,
// with its file, line and column.
func ReadCatalog(path string) (*scorecard.Catalog, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read catalog: %w", err)
	}
	if !info.IsDir() {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read catalog: %w", err)
		}
		if !isYAML(path, data) {
			return scorecard.ParseCatalog(path, data)
		}
	}
	ents, findings, err := readEntityNodes(path)
	if err != nil {
		return nil, err
	}
	if findings, err = checkNodes(ents, findings, nil); err != nil {
		return nil, err
	}
	if errs := findings.Errors(); len(errs) > 0 {
		f := errs[0]
		ce := &scorecard.CatalogError{File: f.File, Line: f.Line, Col: f.Col, Msg: f.Message, Hint: f.Hint}
		if len(errs) > 1 {
			ce.Msg += fmt.Sprintf(" (and %d more errors: check the catalog for all of them)", len(errs)-1)
		}
		return nil, ce
	}
	out := make([]scorecard.Entity, len(ents))
	for i, n := range ents {
		raw, err := json.Marshal(n.value())
		if err == nil {
			err = json.Unmarshal(raw, &out[i])
		}
		if err != nil {
			return nil, &scorecard.CatalogError{File: n.file, Line: n.line, Col: n.col, Msg: fmt.Sprintf("entity #%d: %v", i+1, err)}
		}
	}
	return scorecard.NewCatalog(out)
}

// teamsOf lists the teams that own entities, for sources with no team list.
func teamsOf(cat *scorecard.Catalog) []scorecard.Team {
	seen := map[string]bool{}
	var out []scorecard.Team
	for i := range cat.Entities {
		for _, t := range cat.Entities[i].Team {
			if !seen[t] {
				seen[t] = true
				out = append(out, scorecard.Team{Identifier: t, Name: t})
			}
		}
	}
	return out
}
