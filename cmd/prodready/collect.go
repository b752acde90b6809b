package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/prodready/prodready/scorecard"
)

const collectSynopsis = "prodready collect [-o FILE] [--catalog FILE] [--scorecards FILE]...\n\n" +
	"Writes the catalog prodready evaluates, facts collected from GitHub and PagerDuty included, as JSON in\n" +
	"Port's entity shape that 'check --catalog FILE' reads back, with where each value came from under\n" +
	"\"sources\" (entity -> property -> catalog, github or pagerduty). Warnings (facts that could not be\n" +
	"read, values that differ from the catalog's, entities no fact joined) go to stderr, with the progress\n" +
	"of a GitHub collection when stderr is a terminal.\n" +
	"Exit status: 0 written; 2 bad usage, or a source that failed."

// collectedCatalog is collect's output: Port's {"ok", "entities"} answer,
// which every catalog reader accepts, plus keys they ignore.
type collectedCatalog struct {
	OK          bool               `json:"ok"`
	CollectedAt string             `json:"collectedAt"`
	Origin      string             `json:"origin"`
	Entities    []scorecard.Entity `json:"entities"`
	// Sources maps entity -> property ("$team" for the team) -> where its
	// value came from: "catalog" or a collector's name.
	Sources  map[string]map[string]string `json:"sources"`
	Warnings []string                     `json:"warnings,omitempty"`
}

func runCollect(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "collect", collectSynopsis)
	var src sourceFlags
	src.register(fs)
	out := fs.String("o", "", "write to `FILE` instead of stdout")
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready collect: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	source, err := pickSource(e, src)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready collect: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(e.stderr, "prodready: reading %s\n", source.Describe())
	now := time.Now().UTC()
	b, err := source.Load(ctx, now)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready collect: %v\n", err)
		return exitUsage
	}
	doc := collectedOf(b, now)
	if err := writeJSONTo(e.stdout, *out, doc); err != nil {
		fmt.Fprintf(e.stderr, "prodready collect: %v\n", err)
		return exitUsage
	}
	where := "stdout"
	if *out != "" {
		where = *out
	}
	fmt.Fprintf(e.stderr, "prodready collect: %s from %s written to %s\n", scorecard.Plural(len(doc.Entities), "service"), b.Origin, where)
	return exitOK
}

// collectedOf is the bundle's catalog with the provenance of every value.
func collectedOf(b *scorecard.Bundle, now time.Time) collectedCatalog {
	doc := collectedCatalog{OK: true, CollectedAt: now.Format(time.RFC3339), Origin: b.Origin,
		Entities: b.Catalog.Entities, Sources: map[string]map[string]string{}, Warnings: b.Warnings}
	for i := range b.Catalog.Entities {
		ent := &b.Catalog.Entities[i]
		m := map[string]string{}
		keys := make([]string, 0, len(ent.Properties)+1)
		for k := range ent.Properties {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		if len(ent.Team) > 0 {
			keys = append(keys, scorecard.TeamProperty)
		}
		for _, k := range keys {
			if src := b.Provenance.Of(ent, k); src != "" {
				m[k] = src
			}
		}
		doc.Sources[ent.Identifier] = m
	}
	return doc
}

// writeJSONTo writes v, indented, to path (through a temporary file in the
// same directory, so that a reader never sees half of it) or to w.
func writeJSONTo(w io.Writer, path string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // "<" stays "<" for people reading operators and README texts
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	data := buf.Bytes()
	if path == "" {
		_, err := w.Write(data)
		return err
	}
	// A new file is 0644 (CreateTemp's 0600 is for secrets; a catalog is
	// meant to be shared); a file replaced keeps its mode. What is not a
	// regular file is not replaced: a rename would put a file in place of a
	// symlink or a FIFO someone made on purpose.
	mode := os.FileMode(0o644)
	switch fi, err := os.Lstat(path); {
	case err == nil && !fi.Mode().IsRegular():
		return fmt.Errorf("write %s: not a regular file (%s); name a file to write", path, fi.Mode().Type())
	case err == nil:
		mode = fi.Mode().Perm()
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(mode); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
