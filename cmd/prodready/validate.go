package main

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/files"
	"github.com/prodready/prodready/scorecard/port"
)

func runValidate(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "validate", "prodready validate FILE... [--catalog FILE] [--format text|json]\n\n"+
		"Lints scorecard definitions: one line per finding, file:line:col: error|warning: scorecard S, rule R: message (hint).\n"+
		"With --catalog, also checks a catalog file (JSON or YAML, or a directory of YAML) against the catalog's schema;\n"+
		"a key the scorecards read but written outside \"properties\" is an error.\n"+
		"Exit status: 0 no errors (warnings allowed); 1 any error; 2 a file that cannot be read, or bad usage.")
	format := fs.String("format", "text", "output `format`: text or json")
	catalog := fs.String("catalog", "", "also check this catalog `FILE` or directory against the catalog schema")
	paths, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(e, fs, err)
	}
	if *format != "text" && *format != "json" {
		fmt.Fprintf(e.stderr, "prodready validate: --format must be text or json, not %q\n", *format)
		return exitUsage
	}
	if len(paths) == 0 && *catalog == "" {
		settings, err := e.settings()
		if err != nil {
			fmt.Fprintf(e.stderr, "prodready validate: %v\n", err)
			return exitUsage
		}
		if settings.port.ClientID == "" {
			fmt.Fprintln(e.stderr, "prodready validate: name at least one scorecard file (or set PORT_CLIENT_ID to lint the scorecards Port holds)")
			usageTo(fs, e.stderr)
			return exitUsage
		}
		c := portClient(e, settings)
		fmt.Fprintf(e.stderr, "prodready: reading %s\n", port.Source{Client: c}.Describe())
		scs, findings, err := c.FetchScorecards(ctx)
		if err != nil {
			fmt.Fprintf(e.stderr, "prodready validate: %v\n", err)
			return exitUsage
		}
		return reportFindings(e, *format, findings, len(scs), 1)
	}
	var all scorecard.Findings
	var read []*scorecard.Scorecard
	for _, p := range paths {
		scs, findings, err := files.ReadScorecards(p)
		if err != nil {
			fmt.Fprintf(e.stderr, "prodready validate: %v\n", err)
			return exitUsage
		}
		read = append(read, scs...)
		all = append(all, findings...)
	}
	sources := len(paths)
	if *catalog != "" {
		// Without scorecard files, the ones the catalog is evaluated with
		// (PRODREADY_SCORECARDS, else the demo's) say which keys are read.
		scs := read
		if len(paths) == 0 {
			scs = defaultScorecards(ctx, e)
		}
		findings, err := files.CheckCatalog(*catalog, scs...)
		if err != nil {
			fmt.Fprintf(e.stderr, "prodready validate: %v\n", err)
			return exitUsage
		}
		all = append(all, findings...)
		sources++
	}
	return reportFindings(e, *format, all, len(read), sources)
}

// reportFindings prints lint findings and returns validate's exit status.
func reportFindings(e *env, format string, all scorecard.Findings, loaded, sources int) int {
	nerr := len(all.Errors())
	if format == "json" {
		out := struct {
			Findings   scorecard.Findings `json:"findings"`
			Errors     int                `json:"errors"`
			Warnings   int                `json:"warnings"`
			Scorecards int                `json:"scorecards"`
		}{Findings: append(scorecard.Findings{}, all...), Errors: nerr, Warnings: len(all) - nerr, Scorecards: loaded}
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(e.stderr, "prodready validate: %v\n", err)
			return exitUsage
		}
	} else {
		for _, f := range all {
			fmt.Fprintln(e.stdout, f)
		}
		fmt.Fprintf(e.stderr, "%s, %s; %s usable in %s\n", scorecard.Plural(nerr, "error"), scorecard.Plural(len(all)-nerr, "warning"), scorecard.Plural(loaded, "scorecard"), scorecard.Plural(sources, "source"))
	}
	if nerr > 0 {
		return exitBelow
	}
	return exitOK
}
