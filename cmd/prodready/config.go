package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/joho/godotenv"

	"github.com/prodready/prodready/bot"
	"github.com/prodready/prodready/scorecard/port"
)

// variable is one setting read from the environment (or .env).
type variable struct {
	name   string
	def    string // as shown in `prodready config` and .env.example; "" for none
	help   string // one line
	secret bool   // never printed, logged or put in an error
	// check validates a value that is set (trimmed, not empty); its error
	// names the variable. nil: any value is good.
	check func(v string) error
}

// variables is every setting prodready reads, in .env.example's order.
// The checks reuse the parsers of the packages that read the values, fed
// one variable at a time, so that a value is judged the same way here and
// where it is used.
func variables() []variable {
	portCheck := func(name string) func(string) error {
		return func(v string) error {
			_, err := port.ConfigFromEnv(only(name, v, map[string]string{"PORT_CLIENT_ID": "id", "PORT_CLIENT_SECRET": "secret"}))
			return err
		}
	}
	cronCheck := func(name string) func(string) error {
		return func(v string) error {
			_, err := bot.ScheduleFromEnv(only(name, v, nil))
			return err
		}
	}
	jobCheck := func(name string) func(string) error {
		return func(v string) error {
			_, err := bot.JobConfigFromEnv(only(name, v, nil))
			return err
		}
	}
	return []variable{
		{name: "PORT_CLIENT_ID", help: "Port API client ID (Port > Credentials); when set, the catalog comes from Port"},
		{name: "PORT_CLIENT_SECRET", help: "Port API client secret, paired with PORT_CLIENT_ID", secret: true},
		{name: "PORT_API_URL", help: "Port API base URL (default " + port.BaseURLEU + ", or PORT_REGION's); overrides PORT_REGION", check: portCheck("PORT_API_URL")},
		{name: "PORT_REGION", def: "eu", help: "Port region: eu (api.port.io) or us (api.us.port.io)", check: portCheck("PORT_REGION")},
		{name: "PORT_BLUEPRINT", def: "service", help: "blueprint whose entities are evaluated"},
		{name: "PORT_SCORECARDS", help: "comma-separated scorecard identifiers to evaluate (default: all of the blueprint's)", check: portCheck("PORT_SCORECARDS")},
		{name: "PRODREADY_CATALOG", help: "catalog file (JSON array of entities, or Port's {\"entities\": [...]}) instead of Port", check: fileCheck("PRODREADY_CATALOG")},
		{name: "PRODREADY_SCORECARDS", help: "comma-separated scorecard definition files instead of Port", check: filesCheck("PRODREADY_SCORECARDS")},

		{name: "SLACK_BOT_TOKEN", help: "bot token (xoxb-...); without it, console mode: messages are printed, not posted", secret: true,
			check: func(v string) error { return bot.CheckTokens(v, "") }},
		{name: "SLACK_SIGNING_SECRET", help: "Slack app signing secret; required for slash commands over HTTP", secret: true},
		{name: "SLACK_APP_TOKEN", help: "app-level token (xapp-...) with connections:write; when set, Socket Mode replaces HTTP", secret: true,
			check: func(v string) error { return bot.CheckTokens("", v) }},
		{name: "SLACK_API_URL", def: "https://slack.com/api/", help: "Slack Web API base URL (GovSlack, tests)",
			check: func(v string) error { _, err := bot.NormalizeAPIURL(v); return err }},
		{name: "PRODREADY_LISTEN_ADDR", def: bot.DefaultListenAddr, help: "HTTP address: slash commands, /healthz, /readyz, /metrics (in Socket Mode too)", check: listenCheck},
		{name: "PRODREADY_REFRESH_EVERY", def: "15m", help: "how often serve reloads and re-evaluates the catalog",
			check: func(v string) error { _, err := parseRefreshEvery(v); return err }},

		{name: "PRODREADY_REFRESH_CRON", def: "*/15 * * * *", help: "when the refresh job stores a snapshot (cron; CRON_TZ=Zone/City prefix allowed)", check: cronCheck("PRODREADY_REFRESH_CRON")},
		{name: "PRODREADY_WEEKLY_CRON", def: "0 9 * * MON", help: "when the weekly manager digest goes out", check: cronCheck("PRODREADY_WEEKLY_CRON")},
		{name: "PRODREADY_MONTHLY_CRON", def: "0 9 1 * *", help: "when the monthly manager digest goes out", check: cronCheck("PRODREADY_MONTHLY_CRON")},
		{name: "PRODREADY_NOTICE_CRON", def: "0 10 * * MON-FRI", help: "when team notices go out", check: cronCheck("PRODREADY_NOTICE_CRON")},

		{name: "PRODREADY_REPORT_CHANNEL", help: "channel ID for the weekly and monthly manager digests"},
		{name: "PRODREADY_TARGET_LEVEL", help: "level counted as at target (default: each scorecard's top level)"},
		{name: "PRODREADY_TEAMS", help: "YAML or JSON file routing each team's notices to a channel or DMs", check: jobCheck("PRODREADY_TEAMS")},
		{name: "PRODREADY_REMINDER_EVERY", def: "7d", help: "an unchanged team notice is not sent again before this", check: jobCheck("PRODREADY_REMINDER_EVERY")},
		{name: "PRODREADY_CHART_DIR", help: "directory where digest charts are written (default: none)"},
		{name: "PRODREADY_DELIVERY_LEASE", def: "30s", help: "how long a message being posted stays reserved to one replica", check: jobCheck("PRODREADY_DELIVERY_LEASE")},

		{name: "PRODREADY_DB", def: bot.DefaultDBPath, help: "history: a SQLite file, or postgres://user:password@host/db for replicas", secret: true, check: dbCheck},
		{name: "PRODREADY_LEADER_POLL", def: "5s", help: "how often a replica tries for the lead and the leader confirms it (at most 30s)",
			check: func(v string) error {
				_, err := bot.LeaderPollFromEnv(only("PRODREADY_LEADER_POLL", v, nil))
				return err
			}},
		{name: "PRODREADY_RETENTION", def: "400d", help: "how long history is kept", check: jobCheck("PRODREADY_RETENTION")},

		{name: "PRODREADY_LOG_FORMAT", def: "text", help: "log format on stderr: text or json", check: oneOf("PRODREADY_LOG_FORMAT", "text", "json")},
		{name: "PRODREADY_LOG_LEVEL", def: "info", help: "least severe log level written: debug, info, warn or error", check: oneOf("PRODREADY_LOG_LEVEL", "debug", "info", "warn", "error")},
	}
}

// only is a getenv that sees name=v and the given fallbacks, nothing else:
// a package's parser then judges one variable, with defaults for the rest.
func only(name, v string, fallback map[string]string) func(string) string {
	return func(k string) string {
		if k == name {
			return v
		}
		return fallback[k]
	}
}

func oneOf(name string, allowed ...string) func(string) error {
	return func(v string) error {
		for _, a := range allowed {
			if strings.EqualFold(v, a) {
				return nil
			}
		}
		return fmt.Errorf("%s=%q: want one of %s", name, v, strings.Join(allowed, ", "))
	}
}

func fileCheck(name string) func(string) error {
	return func(v string) error {
		if _, err := os.Stat(v); err != nil {
			return fmt.Errorf("%s=%q: %w", name, v, errors.Unwrap(err))
		}
		return nil
	}
}

func filesCheck(name string) func(string) error {
	return func(v string) error {
		for _, p := range splitList(v) {
			if err := fileCheck(name)(p); err != nil {
				return err
			}
		}
		return nil
	}
}

func listenCheck(v string) error {
	_, p, err := net.SplitHostPort(v)
	if err == nil {
		var n int
		n, err = strconv.Atoi(p)
		if err == nil && (n < 0 || n > 65535) {
			err = errors.New("port out of range")
		}
	}
	if err != nil {
		return fmt.Errorf("PRODREADY_LISTEN_ADDR=%q: want host:port or :port, like :8080 (%v)", v, err)
	}
	return nil
}

// parseRefreshEvery reads PRODREADY_REFRESH_EVERY.
func parseRefreshEvery(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("PRODREADY_REFRESH_EVERY=%q is not a positive duration like 15m or 1h", v)
	}
	return d, nil
}

// isPostgres reports whether PRODREADY_DB names a Postgres server rather
// than a SQLite file.
func isPostgres(v string) bool {
	return strings.HasPrefix(v, "postgres://") || strings.HasPrefix(v, "postgresql://")
}

// dbCheck never quotes the value: it may hold the database password.
func dbCheck(v string) error {
	if !isPostgres(v) {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" {
		return errors.New("PRODREADY_DB is not a valid postgres://user:password@host:port/database URL (value not shown: it may hold a password)")
	}
	return nil
}

// dbPassword is the password inside a Postgres PRODREADY_DB, if any.
func dbPassword(v string) string {
	if isPostgres(v) {
		if u, err := url.Parse(v); err == nil && u.User != nil {
			p, _ := u.User.Password()
			return p
		}
		return ""
	}
	if m := dsnPassword.FindStringSubmatch(v); m != nil {
		return strings.Trim(m[1], "'")
	}
	return ""
}

var dsnPassword = regexp.MustCompile(`(?:^|\s)password=('[^']*'|\S+)`)

// mask shows a secret's value: whether it is set, never what it is. A
// Postgres URL keeps everything but its password.
func mask(name, v string) string {
	if v == "" {
		return ""
	}
	if name == "PRODREADY_DB" {
		if p := dbPassword(v); p != "" {
			return strings.ReplaceAll(v, p, "********")
		}
		return v
	}
	return "******** (set)"
}

// secrets returns the values that must never be written anywhere.
func secrets(getenv func(string) string) []string {
	var out []string
	for _, v := range variables() {
		if !v.secret {
			continue
		}
		val := strings.TrimSpace(getenv(v.name))
		if v.name == "PRODREADY_DB" {
			val = dbPassword(val)
		}
		if val != "" {
			out = append(out, val)
		}
	}
	return out
}

// checkConfig validates every variable that is set, before any command
// runs; the error lists each bad one, by name.
func checkConfig(getenv func(string) string) error {
	var errs []error
	for _, v := range variables() {
		val := strings.TrimSpace(getenv(v.name))
		if val == "" || v.check == nil {
			continue
		}
		if err := v.check(val); err != nil {
			errs = append(errs, err)
		}
	}
	if id := strings.TrimSpace(getenv("PORT_CLIENT_ID")); id != "" {
		if _, err := port.ConfigFromEnv(getenv); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// loadDotenv fills in from .env what the environment does not set and
// returns the names it filled in, so `prodready config` can say where each
// value came from.
func loadDotenv() (map[string]bool, error) {
	vals, err := godotenv.Read()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .env: %w", err)
	}
	from := map[string]bool{}
	for k := range vals {
		if _, set := os.LookupEnv(k); !set {
			from[k] = true
		}
	}
	// A real variable wins over .env.
	if err := godotenv.Load(); err != nil {
		return nil, fmt.Errorf("read .env: %w", err)
	}
	return from, nil
}

// origin says where a variable's value comes from.
func (e *env) origin(name string) string {
	switch {
	case strings.TrimSpace(e.getenv(name)) == "":
		return "default"
	case e.dotenv[name]:
		return ".env"
	}
	return "environment"
}

// newLogger makes the logger of long-running commands: text or JSON
// (PRODREADY_LOG_FORMAT) on stderr, at PRODREADY_LOG_LEVEL, with every
// configured secret replaced wherever it would appear in a record.
func newLogger(e *env) *slog.Logger {
	return newLoggerAt(e, slog.LevelInfo)
}

// newLoggerAt is newLogger with another default level, for commands whose
// output is for a person at a terminal.
func newLoggerAt(e *env, def slog.Level) *slog.Logger {
	level := def
	switch strings.ToLower(strings.TrimSpace(e.getenv("PRODREADY_LOG_LEVEL"))) {
	case "debug":
		level = slog.LevelDebug
	case "info":
		level = slog.LevelInfo
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redactor(secrets(e.getenv))}
	if strings.EqualFold(strings.TrimSpace(e.getenv("PRODREADY_LOG_FORMAT")), "json") {
		return slog.New(slog.NewJSONHandler(e.stderr, opts))
	}
	return slog.New(slog.NewTextHandler(e.stderr, opts))
}

// minRedacted is the shortest secret the logger looks for.
const minRedacted = 6

// redactor replaces secrets in any attribute (the message included) as a
// last line of defence: code must not log them in the first place.
func redactor(all []string) func([]string, slog.Attr) slog.Attr {
	// Too short a value (a test's "s") would blank out ordinary words.
	var secrets []string
	for _, s := range all {
		if len(s) >= minRedacted {
			secrets = append(secrets, s)
		}
	}
	if len(secrets) == 0 {
		return nil
	}
	scrub := func(s string) (string, bool) {
		changed := false
		for _, sec := range secrets {
			if strings.Contains(s, sec) {
				s, changed = strings.ReplaceAll(s, sec, "[redacted]"), true
			}
		}
		return s, changed
	}
	return func(_ []string, a slog.Attr) slog.Attr {
		v := a.Value.Resolve()
		switch v.Kind() {
		case slog.KindString:
			if s, ok := scrub(v.String()); ok {
				a.Value = slog.StringValue(s)
			}
		case slog.KindAny:
			if s, ok := scrub(fmt.Sprint(v.Any())); ok {
				a.Value = slog.StringValue(s)
			}
		}
		return a
	}
}

const configSynopsis = "prodready config\n\n" +
	"Prints every setting prodready reads, its effective value, and where it came from\n" +
	"(environment, .env or default); secrets are masked. Exits 2, naming each one, when a value is bad."

// runConfig prints the effective configuration.
func runConfig(_ context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "config", configSynopsis)
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready config: unexpected argument %q\n", fs.Arg(0))
		return exitUsage
	}
	printConfig(e.stdout, e)
	if err := checkConfig(e.getenv); err != nil {
		fmt.Fprintf(e.stderr, "prodready config: %v\n", err)
		return exitUsage
	}
	return exitOK
}

func printConfig(w io.Writer, e *env) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VARIABLE\tVALUE\tFROM\tMEANING")
	for _, v := range variables() {
		val := strings.TrimSpace(e.getenv(v.name))
		from := e.origin(v.name)
		if val == "" {
			val = v.def
		} else if v.secret {
			val = mask(v.name, val)
		}
		if val == "" {
			val = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.name, val, from, v.help)
	}
	tw.Flush()
}
