// Command prodready evaluates Port-format scorecards over a service catalog,
// gates deploys on them, and runs the Slack bot. This package only reads
// configuration and wires the other packages together.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…"; when it
// is not, readBuild takes the version from the build's own information.
var version string

// Exit statuses shared by every command.
const (
	exitOK    = 0
	exitBelow = 1 // check: something is below the bar; validate: a lint error
	exitUsage = 2 // bad input, bad usage, or a source that failed
)

// env is what a command may touch of the outside world, so tests can run
// commands in-process with their own streams and variables.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	// environ lists the environment as NAME=value entries, to refuse an
	// unknown PRODREADY_* name; nil skips that check.
	environ func() []string
	dotenv  map[string]bool // variables whose value came from .env

	loaded bool
	cfg    *settings // the environment, parsed once (settings)
	cfgErr error

	closers []func() error // run when the command returns (onExit)

	// report, when set, replaces check --report-to's client (tests
	// shorten its waits).
	report *reportClient
	// whole makes check read a catalog file whole where it would read it
	// in pieces (tests compare the two).
	whole bool
}

// onExit has f run when the command returns: what a command's source
// opened (the history database backing GitHub's cache).
func (e *env) onExit(f func() error) { e.closers = append(e.closers, f) }

// stderrIsTerminal reports whether a person watches stderr.
func (e *env) stderrIsTerminal() bool { return isTerminal(e.stderr) }

// settings is the environment parsed by the table of variables, once per
// process; the error names every bad variable.
func (e *env) settings() (*settings, error) {
	if !e.loaded {
		e.cfg, e.cfgErr = loadSettings(e.getenv)
		e.loaded = true
		if e.environ != nil {
			errs, warnings := checkNames(e.environ(), e.dotenv)
			for _, w := range warnings {
				fmt.Fprintf(e.stderr, "prodready: warning: %s\n", w)
			}
			if e.cfgErr = nameErrors(e.cfgErr, errs); e.cfgErr != nil {
				e.cfg = nil
			}
		}
	}
	return e.cfg, e.cfgErr
}

type command struct {
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

func commands() map[string]command {
	return map[string]command{
		"check":           {"evaluate scorecards over the catalog; gate deploys with --min-level", runCheck},
		"validate":        {"lint scorecard definitions", runValidate},
		"version":         {"print the version", runVersion},
		"serve":           {"run the Slack bot", runServe},
		"playground":      {"try the bot in a browser: a local Slack-like page, no Slack app needed", runPlayground},
		"run":             {"run one scheduled job now: refresh, weekly-report, monthly-report, team-notices", runJob},
		"config":          {"print the effective configuration, where each value came from, secrets masked", runConfig},
		"collect":         {"write the catalog with the facts collected from GitHub and PagerDuty, and where each came from", runCollect},
		"properties":      {"list what the scorecards read and which configured source provides it", runProperties},
		"doctor":          {"check the tokens, scopes, channels and teams file against Slack and the catalog", runDoctor},
		"mcp":             {"serve the results to coding assistants over the Model Context Protocol on stdio", runMCP},
		"plan":            {"say what a scorecard change will do to the catalog before it merges", runPlan},
		"migrate-history": {"move the history to the layout that stores results by change (--dry-run: sizes before and after)", runMigrateHistory},
	}
}

func main() {
	// .env fills in what the environment does not set; a real variable wins.
	fromDotenv, err := loadDotenv()
	if err != nil {
		fmt.Fprintf(os.Stderr, "prodready: %v\n", err)
		os.Exit(exitUsage)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, &env{stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr, getenv: os.Getenv, environ: os.Environ, dotenv: fromDotenv}, os.Args[1:])
	stop()
	os.Exit(code)
}

func run(ctx context.Context, e *env, args []string) int {
	if e.stderr != nil {
		e.stderr = namedStderr(e)
	}
	cmds := commands()
	if len(args) >= 2 && args[0] == "help" {
		// `help COMMAND` is `COMMAND --help`.
		args = []string{args[1], "--help"}
	}
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(e.stdout, cmds)
		if len(args) == 0 {
			return exitUsage
		}
		return exitOK
	}
	if args[0] == "--version" || args[0] == "-version" || args[0] == "-v" {
		args = []string{"version"}
	}
	c, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(e.stderr, "prodready: unknown command %q\n", args[0])
		usage(e.stderr, cmds)
		return exitUsage
	}
	// The environment is parsed afresh for each command (tests run several
	// on one env). Every variable is checked before anything runs; `config`
	// shows them all, bad ones included, and `version` needs none.
	e.loaded = false
	if args[0] != "config" && args[0] != "version" && !asksHelp(args[1:]) {
		if _, err := e.settings(); err != nil {
			fmt.Fprintf(e.stderr, "prodready: bad configuration (see 'prodready config'):\n%v\n", err)
			return exitUsage
		}
	}
	defer func() {
		for i := len(e.closers) - 1; i >= 0; i-- {
			e.closers[i]()
		}
		e.closers = nil
	}()
	return c.run(ctx, e, args[1:])
}

// asksHelp reports whether a command's arguments ask for its help, which
// must print even when the configuration is bad.
func asksHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

func usage(w io.Writer, cmds map[string]command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	fmt.Fprintln(w, "Usage: prodready COMMAND [ARGS]\n\nCommands:")
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, cmds[n].summary)
	}
	fmt.Fprintln(w, "\nRun 'prodready help COMMAND' (or 'prodready COMMAND --help') for a command's flags.")
}

func runVersion(_ context.Context, e *env, args []string) int {
	if len(args) > 0 {
		fmt.Fprintln(e.stdout, "Usage: prodready version\n\nPrints prodready's version.")
		return exitOK
	}
	fmt.Fprintf(e.stdout, "prodready %s\n", readBuild().version)
	return exitOK
}
