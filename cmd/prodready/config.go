package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"net"
	"net/mail"
	"net/url"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/joho/godotenv"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/email"
	"github.com/prodready/prodready/bot/engine"
	"github.com/prodready/prodready/bot/jobs"
	"github.com/prodready/prodready/bot/schedule"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/report"
	"github.com/prodready/prodready/report/history"
	"github.com/prodready/prodready/scorecard/backstage"
	"github.com/prodready/prodready/scorecard/pagerduty"
	"github.com/prodready/prodready/scorecard/port"
)

// variable is one setting read from the environment (or .env).
type variable struct {
	name   string
	def    string // as shown in `prodready config` and .env.example; "" for none
	help   string // one line
	secret bool   // never printed, logged or put in an error
	// field is how the library packages name the setting in their
	// messages ("github.Config.Token"); prodready prints the variable
	// instead (fieldNames). "" when no library names it.
	field string
	// set parses a value (trimmed; the default when unset) into the
	// settings; its error names the variable. nil: the value is not needed
	// by any command beyond being shown.
	set func(s *settings, v string) error
}

// settings is every value prodready reads from the environment, parsed
// once from the table of variables; commands copy from it what their
// packages need.
type settings struct {
	port       port.Config // ClientID empty: the catalog does not come from Port
	portRegion string
	portAPIURL string
	catalog    string
	scorecards []string

	backstage backstage.Config // BaseURL empty: Backstage is not used
	github    githubSettings
	gitlab    gitlabSettings
	pagerduty pagerduty.Config // Token empty: PagerDuty is not used

	signingSecret, botToken, appToken, slackAPIURL string
	listenAddr                                     string
	apiToken                                       string // PRODREADY_API_TOKEN; serve's API and check --report-to
	mcpToken                                       string // PRODREADY_MCP_TOKEN; serve's /mcp
	refreshEvery                                   time.Duration

	cronSpecs map[string]string // job name -> spec (PRODREADY_*_CRON)
	schedules []schedule.Entry
	jobs      engine.Config

	exemptions exemptionSettings // PRODREADY_EXEMPTION*
	// smtp, emailFrom: PRODREADY_SMTP_URL and PRODREADY_EMAIL_FROM, for
	// digests and notices by e-mail.
	smtp      email.Server
	smtpSet   bool
	emailFrom *mail.Address
	// initiatives is PRODREADY_INITIATIVES: initiatives and announced rules.
	initiatives string

	db         string
	leaderPoll time.Duration
	logFormat  string
	logLevel   string
	// set holds the variables given a value (not left to their default).
	set map[string]bool
}

// Defaults that more than one place needs.
const (
	defaultDB           = "./prodready.db"
	defaultRefreshEvery = "15m"
	defaultLeaderPoll   = "5s"
)

// variables is every setting prodready reads, in .env.example's order:
// the one place a variable, its default and its check are written.
func variables() []variable {
	str := func(field func(s *settings) *string) func(*settings, string) error {
		return func(s *settings, v string) error { *field(s) = v; return nil }
	}
	vars := []variable{
		{name: "PORT_CLIENT_ID", field: "port.Config.ClientID", help: "Port API client ID (Port > Credentials); when set, the catalog comes from Port",
			set: str(func(s *settings) *string { return &s.port.ClientID })},
		{name: "PORT_CLIENT_SECRET", field: "port.Config.ClientSecret", help: "Port API client secret, paired with PORT_CLIENT_ID", secret: true,
			set: str(func(s *settings) *string { return &s.port.ClientSecret })},
		{name: "PORT_API_URL", field: "port.Config.BaseURL", help: "Port API base URL (default " + port.BaseURLEU + ", or PORT_REGION's); overrides PORT_REGION", set: setPortAPIURL},
		{name: "PORT_REGION", def: "eu", help: "Port region: eu (api.port.io) or us (api.us.port.io)", set: setPortRegion},
		{name: "PORT_BLUEPRINT", field: "port.Config.Blueprint", def: "service", help: "blueprint whose entities are evaluated",
			set: str(func(s *settings) *string { return &s.port.Blueprint })},
		{name: "PORT_SCORECARDS", field: "port.Config.Scorecards", help: "comma-separated scorecard identifiers to evaluate (default: all of the blueprint's)", set: setPortScorecards},
		{name: "PORT_MAX_PAGE_MB", field: "port.Config.MaxPageBytes", def: "64", help: "largest answer read from Port (one page of entities), in MiB after decompression (1 to 4096)",
			set: func(s *settings, v string) error {
				mb, err := strconv.Atoi(v)
				if err != nil || mb < 1 || mb > 4096 {
					return fmt.Errorf("PORT_MAX_PAGE_MB is %q; it must be a whole number of MiB from 1 to 4096 (default 64)", v)
				}
				s.port.MaxPageBytes = int64(mb) << 20
				return nil
			}},
		{name: "PORT_FETCH_TIMEOUT", field: "port.Config.MaxFetchTime", def: "15m", help: "longest time to read every page of Port's entity search (10s to 1d)",
			set: func(s *settings, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d <= 0 {
					return fmt.Errorf("PORT_FETCH_TIMEOUT is %q; it must be a positive duration such as 15m (the default) or 1h", v)
				}
				if err := within("PORT_FETCH_TIMEOUT", v, d, durationBounds{10 * time.Second, 24 * time.Hour, "a search of the whole catalog needs some seconds; one that takes a day is stuck"}); err != nil {
					return err
				}
				s.port.MaxFetchTime = d
				return nil
			}},
		{name: "PRODREADY_CATALOG", help: "catalog file (JSON array of entities, or Port's {\"entities\": [...]}) instead of Port",
			set: func(s *settings, v string) error { s.catalog = v; return fileCheck("PRODREADY_CATALOG")(v) }},
		{name: "PRODREADY_SCORECARDS", help: "comma-separated scorecard definition files instead of Port",
			set: func(s *settings, v string) error {
				s.scorecards = splitList(v)
				return filesCheck("PRODREADY_SCORECARDS")(v)
			}},
	}
	vars = append(vars, factsVariables()...)
	vars = append(vars, []variable{

		{name: "SLACK_BOT_TOKEN", field: "slackapp.Config.BotToken", help: "bot token (xoxb-...); without it, console mode: messages are printed, not posted", secret: true,
			set: func(s *settings, v string) error { s.botToken = v; return blockkit.CheckTokens(v, "") }},
		{name: "SLACK_SIGNING_SECRET", field: "slackapp.Config.SigningSecret", help: "Slack app signing secret; required for slash commands over HTTP", secret: true,
			set: str(func(s *settings) *string { return &s.signingSecret })},
		{name: "SLACK_APP_TOKEN", field: "slackapp.Config.AppToken", help: "app-level token (xapp-...) with connections:write; when set, Socket Mode replaces HTTP", secret: true,
			set: func(s *settings, v string) error { s.appToken = v; return blockkit.CheckTokens("", v) }},
		{name: "SLACK_API_URL", field: "slackapp.Config.APIURL", def: "https://slack.com/api/", help: "Slack Web API base URL (GovSlack, tests)",
			set: func(s *settings, v string) (err error) { s.slackAPIURL, err = blockkit.NormalizeAPIURL(v); return err }},
		{name: "PRODREADY_LISTEN_ADDR", field: "slackapp.Config.ListenAddr", def: slackapp.DefaultListenAddr, help: "HTTP address: slash commands, /healthz, /readyz, /metrics (in Socket Mode too)",
			set: func(s *settings, v string) error { s.listenAddr = v; return listenCheck(v) }},
		{name: "PRODREADY_MCP_TOKEN", help: "bearer token of the MCP endpoint /mcp, where coding assistants read the results; unset: the endpoint is off", secret: true,
			set: str(func(s *settings) *string { return &s.mcpToken })},
		{name: "PRODREADY_API_TOKEN", field: "ciapi.Config.Token", help: "bearer token of POST /api/results, where `check --report-to` pushes CI results; unset: the API is off", secret: true,
			set: str(func(s *settings) *string { return &s.apiToken })},
		{name: "PRODREADY_REFRESH_EVERY", field: "slackapp.Config.RefreshEvery", def: defaultRefreshEvery, help: "how often serve reloads and re-evaluates the catalog (1m to 1d)",
			set: func(s *settings, v string) (err error) { s.refreshEvery, err = parseRefreshEvery(v); return err }},
	}...)
	// Each job's schedule, under the variable cronVariables gives it.
	cronVars := cronVariables()
	for _, job := range jobs.All() {
		jobName, name := job.Name(), cronVars[job.Name()]
		vars = append(vars, variable{name: name, def: job.Cron(), field: engine.CronField(jobName),
			help: fmt.Sprintf("when the %s job runs (cron; CRON_TZ=Zone/City prefix allowed)", jobName),
			set: func(s *settings, v string) error {
				s.cronSpecs[jobName] = v
				_, err := schedule.Parse(name, v)
				return err
			}})
	}
	return append(vars, []variable{
		{name: "PRODREADY_REPORT_CHANNEL", field: "engine.Config.ReportChannel", help: "channel ID for the weekly and monthly manager digests",
			set: str(func(s *settings) *string { return &s.jobs.ReportChannel })},
		{name: "PRODREADY_SMTP_URL", field: "engine.Config.SMTP", help: "SMTP server for digests and notices by e-mail: smtp://user:pass@host:587 (STARTTLS when offered; ?tls=required to insist) or smtps://user:pass@host:465", secret: true,
			set: func(s *settings, v string) (err error) {
				if s.smtp, err = email.ParseServer(v); err != nil {
					return fmt.Errorf("PRODREADY_SMTP_URL: %w", err)
				}
				s.smtpSet = true
				return nil
			}},
		{name: "PRODREADY_REPORT_EMAIL", field: "engine.Config.ReportEmail", help: "comma-separated e-mail addresses that get the manager digests by e-mail (needs PRODREADY_SMTP_URL)",
			set: func(s *settings, v string) (err error) {
				if s.jobs.ReportEmail, err = email.ParseAddresses(v); err != nil {
					return fmt.Errorf("PRODREADY_REPORT_EMAIL=%q: %w", v, err)
				}
				return nil
			}},
		{name: "PRODREADY_EMAIL_FROM", help: "the sender of e-mails: an address, or Name <address> (needed with PRODREADY_SMTP_URL)",
			set: func(s *settings, v string) (err error) {
				if s.emailFrom, err = email.ParseAddress(v); err != nil {
					return fmt.Errorf("PRODREADY_EMAIL_FROM: %w", err)
				}
				return nil
			}},
		{name: "PRODREADY_TARGET_LEVEL", field: "engine.Config.TargetLevel", help: "target level: LEVEL for all, or SCORECARD:LEVEL,… (default: the top level in digests, the next level up in notices)",
			set: func(s *settings, v string) error {
				s.jobs.TargetLevel = v
				_, err := report.ParseTargets(v)
				return err
			}},
		{name: "PRODREADY_TEAMS", field: "engine.Config.Routes", help: "YAML or JSON file routing each team's notices to a channel or DMs",
			set: func(s *settings, v string) (err error) { s.jobs.Routes, err = delivery.LoadTeamRoutes(v); return err }},
		{name: "PRODREADY_REMINDER_EVERY", def: "7d", help: "an unchanged team notice is not sent again before this (1h to 365d)",
			set: func(s *settings, v string) (err error) {
				s.jobs.ReminderEvery, err = parseDaysWithin("PRODREADY_REMINDER_EVERY", v, durationBounds{time.Hour, 365 * day, "more often than hourly is noise; less than yearly is never"})
				return err
			}},
		{name: "PRODREADY_CHART_DIR", help: "directory where digest charts are written (default: the system's temporary directory)",
			set: str(func(s *settings) *string { return &s.jobs.ChartDir })},
		{name: "PRODREADY_EXEMPTIONS", field: "exemption.Config.File", help: "YAML file of exemptions reviewed in Git (service, scorecard, rule, until, reason, by)",
			set: func(s *settings, v string) error { s.exemptions.file = v; return fileCheck("PRODREADY_EXEMPTIONS")(v) }},
		{name: "PRODREADY_INITIATIVES", help: "YAML file of initiatives (campaigns with a goal and a due date) and announced rules (rules that count from a date)",
			set: func(s *settings, v string) error { s.initiatives = v; return fileCheck("PRODREADY_INITIATIVES")(v) }},
		{name: "PRODREADY_EXEMPTION_MAX", def: "90d", help: "longest an exemption may last, from the file or from Slack (1d to 730d)",
			set: func(s *settings, v string) (err error) {
				s.exemptions.max, err = parseDaysWithin("PRODREADY_EXEMPTION_MAX", v, durationBounds{day, maxExemption, "an exemption is a date to fix a rule by, not a way to switch it off"})
				return err
			}},
		{name: "PRODREADY_EXEMPTION_CHANNEL", field: "exemption.Config.Channel", help: "channel ID where exemption requests from Slack are posted for approval",
			set: func(s *settings, v string) error { s.exemptions.channel = v; return nil }},
		{name: "PRODREADY_EXEMPTION_APPROVERS", field: "exemption.Config.Approvers", help: "comma-separated Slack user IDs (U…) or user group IDs (S…) allowed to approve exemptions",
			set: func(s *settings, v string) (err error) {
				s.exemptions.approvers, err = parseApprovers(v)
				return err
			}},
		{name: "PRODREADY_EXEMPTION_SELF_APPROVE", def: "false", help: "true lets an approver approve their own exemption request; otherwise another approver must decide",
			set: func(s *settings, v string) error {
				b, err := strconv.ParseBool(v)
				if err != nil {
					return fmt.Errorf("PRODREADY_EXEMPTION_SELF_APPROVE=%q: want true or false", v)
				}
				s.exemptions.selfApprove = b
				return nil
			}},
		{name: "PRODREADY_DELIVERY_LEASE", def: "30s", help: "how long a message being posted stays reserved to one replica (1s to 10m)",
			set: func(s *settings, v string) error {
				d, err := time.ParseDuration(v)
				if err != nil || d < time.Second {
					return fmt.Errorf("PRODREADY_DELIVERY_LEASE=%q: want a duration of at least 1s (\"30s\"), how long a message being posted stays reserved to one process", v)
				}
				if err := within("PRODREADY_DELIVERY_LEASE", v, d, durationBounds{time.Second, 10 * time.Minute, "a post that takes longer has failed, and a replica that died holding the lease blocks the message this long"}); err != nil {
					return err
				}
				s.jobs.DeliveryLease = d
				return nil
			}},

		{name: "PRODREADY_DB", field: "history.DSN", def: defaultDB, help: "history: a SQLite file, or Postgres for replicas: postgres://user:password@host/db, or host=… user=… dbname=…", secret: true,
			set: func(s *settings, v string) error { s.db = v; return history.CheckDSN(v) }},
		{name: "PRODREADY_LEADER_POLL", def: defaultLeaderPoll, help: "how often a replica tries for the lead and the leader confirms it (500ms to 30s)",
			set: func(s *settings, v string) (err error) { s.leaderPoll, err = parseLeaderPoll(v); return err }},
		{name: "PRODREADY_RETENTION", def: "400d", help: "how long history is kept (100d to 3650d: the record that a digest was sent must outlive the longest period a digest covers)",
			set: func(s *settings, v string) (err error) {
				s.jobs.Retention, err = parseDaysWithin("PRODREADY_RETENTION", v, durationBounds{minRetention, 3650 * day, "the records that make each digest go out once must outlive the longest period a digest covers (a quarter and its catch-up); beyond ten years only the database grows"})
				return err
			}},

		{name: "PRODREADY_LOG_FORMAT", def: "text", help: "log format on stderr: text or json",
			set: func(s *settings, v string) error {
				s.logFormat = strings.ToLower(v)
				return oneOf("PRODREADY_LOG_FORMAT", "text", "json")(v)
			}},
		{name: "PRODREADY_LOG_LEVEL", def: "info", help: "least severe log level written: debug, info, warn or error",
			set: func(s *settings, v string) error {
				s.logLevel = strings.ToLower(v)
				return oneOf("PRODREADY_LOG_LEVEL", "debug", "info", "warn", "error")(v)
			}},
	}...)
}

// testVariables are read only by tests and demos; they are not listed.
const testDigestPeriod = "PRODREADY_TEST_DIGEST_PERIOD"

// loadSettings parses every variable of the table (its default when
// unset) and checks how they go together; the error lists each bad one,
// by name.
func loadSettings(getenv func(string) string) (*settings, error) {
	s := &settings{cronSpecs: map[string]string{}, set: map[string]bool{}}
	var errs []error
	names := fieldNames()
	for _, v := range variables() {
		val := strings.TrimSpace(getenv(v.name))
		s.set[v.name] = val != ""
		if val == "" {
			val = v.def
		}
		if val == "" || v.set == nil {
			continue
		}
		if !v.secret && hasCredentials(val) {
			errs = append(errs, fmt.Errorf("%s must not carry credentials (user:password@ in the URL): they would be shown wherever the URL is, and sent to whatever host it names; put the token or secret in its own variable (the value is not shown)", v.name))
			continue
		}
		if err := v.set(s, val); err != nil {
			err = nameVariables(names, err)
			if !strings.Contains(err.Error(), v.name) {
				err = fmt.Errorf("%s: %w", v.name, err)
			}
			errs = append(errs, err)
		}
	}
	if v := strings.TrimSpace(getenv(testDigestPeriod)); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < time.Second {
			errs = append(errs, fmt.Errorf("%s=%q: want a duration of at least 1s; for tests and demos only, it replaces the digests' weeks and months with periods this long", testDigestPeriod, v))
		}
		s.jobs.DigestPeriod = d
	}
	if err := s.finishPort(); err != nil {
		errs = append(errs, err)
	}
	if err := s.finishGitHub(readKeyFile); err != nil {
		errs = append(errs, err)
	}
	if err := s.finishEmail(); err != nil {
		errs = append(errs, err)
	}
	if err := s.finishGitLab(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	var err error
	if s.schedules, err = engine.Schedules(jobs.All(), s.cronSpecs); err != nil {
		return nil, err
	}
	s.jobs.Locations = engine.Locations(s.schedules)
	return s, nil
}

func setPortRegion(s *settings, v string) error {
	switch strings.ToLower(v) {
	case "eu", "us":
		s.portRegion = strings.ToLower(v)
		return nil
	}
	return fmt.Errorf("PORT_REGION is %q; it must be \"eu\" (the default) or \"us\"", v)
}

func setPortAPIURL(s *settings, raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("PORT_API_URL is %q; it must be an http(s) URL such as %s", raw, port.BaseURLEU)
	}
	if u.User != nil {
		return errors.New("PORT_API_URL must not carry credentials; use PORT_CLIENT_ID and PORT_CLIENT_SECRET")
	}
	s.portAPIURL = strings.TrimRight(raw, "/")
	return nil
}

func setPortScorecards(s *settings, raw string) error {
	seen := map[string]bool{}
	for _, id := range strings.Split(raw, ",") {
		id = strings.TrimSpace(id)
		if id == "" {
			return fmt.Errorf("PORT_SCORECARDS is %q: it has an empty identifier (write identifiers separated by commas)", raw)
		}
		if !seen[id] {
			seen[id] = true
			s.port.Scorecards = append(s.port.Scorecards, id)
		}
	}
	return nil
}

// finishPort sets Port's URLs from the region and PORT_API_URL, and checks
// the credentials come in pairs.
func (s *settings) finishPort() error {
	s.port.BaseURL, s.port.AppURL = port.BaseURLEU, "https://app.port.io"
	if s.portRegion == "us" {
		s.port.BaseURL, s.port.AppURL = port.BaseURLUS, "https://app.us.port.io"
	}
	if s.portAPIURL != "" {
		s.port.BaseURL = s.portAPIURL
		if u, err := url.Parse(s.portAPIURL); err == nil && strings.Contains(u.Host, ".us.") {
			s.port.AppURL = "https://app.us.port.io"
		}
	}
	if s.port.ClientID != "" && s.port.ClientSecret == "" {
		return errors.New("PORT_CLIENT_SECRET is not set, but PORT_CLIENT_ID is (both come from Port's Credentials page)")
	}
	return nil
}

// parseDays reads a duration: days as a bare number or with "d" ("7",
// "7d"), or a Go duration ("36h").
func parseDays(name, v string) (time.Duration, error) {
	if n, err := strconv.Atoi(strings.TrimSuffix(v, "d")); err == nil {
		if n <= 0 {
			return 0, fmt.Errorf("%s=%q: must be more than 0 days", name, v)
		}
		// Beyond this many days a Duration overflows to a negative one.
		if n > int(math.MaxInt64/int64(day)) {
			return 0, fmt.Errorf("%s=%q: too many days", name, v)
		}
		return time.Duration(n) * day, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("%s=%q: want a number of days (\"7d\") or a duration (\"36h\")", name, v)
	}
	return d, nil
}

const day = 24 * time.Hour

// Bounds of the day-counted settings that other code relies on.
const (
	// minRetention keeps the claims that make a digest go out once for
	// longer than the longest period a digest key covers: a quarter (92
	// days) with a week to catch up a missed run.
	minRetention = 100 * day
	// maxExemption is the longest PRODREADY_EXEMPTION_MAX.
	maxExemption = 730 * day
)

// durationBounds are the least and the most a duration setting may be,
// and why.
type durationBounds struct {
	lo, hi time.Duration
	why    string
}

// within checks d, read from the variable's value v, against b.
func within(name, v string, d time.Duration, b durationBounds) error {
	if d < b.lo || d > b.hi {
		return fmt.Errorf("%s=%q: want from %s to %s (%s)", name, v, showDuration(b.lo), showDuration(b.hi), b.why)
	}
	return nil
}

// parseDaysWithin is parseDays with bounds.
func parseDaysWithin(name, v string, b durationBounds) (time.Duration, error) {
	d, err := parseDays(name, v)
	if err != nil {
		return 0, err
	}
	if err := within(name, v, d, b); err != nil {
		return 0, err
	}
	return d, nil
}

// showDuration writes whole days as "100d", other durations as Go does.
func showDuration(d time.Duration) string {
	if d >= day && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// minLeaderPoll is the shortest PRODREADY_LEADER_POLL: each poll is a
// query to the database from every replica, and a takeover within a
// second is already more than jobs scheduled by the minute need.
const minLeaderPoll = 500 * time.Millisecond

// parseLeaderPoll reads PRODREADY_LEADER_POLL: how often a replica tries
// for the lead and the leader checks it holds it.
func parseLeaderPoll(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d < minLeaderPoll || d > 30*time.Second {
		return 0, fmt.Errorf("PRODREADY_LEADER_POLL=%q: want a duration of at least %s and at most 30s, like 5s (a dead leader is replaced within about this long; each poll queries the database)", v, minLeaderPoll)
	}
	return d, nil
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

// minRefreshEvery bounds PRODREADY_REFRESH_EVERY: each refresh loads the
// whole catalog from its source (Port's API: several paged requests) and
// evaluates every scorecard; more often than this only loads the source.
const minRefreshEvery = time.Minute

// maxRefreshEvery bounds it the other way: answers and notices are never
// older than this.
const maxRefreshEvery = 24 * time.Hour

// parseRefreshEvery reads PRODREADY_REFRESH_EVERY.
func parseRefreshEvery(v string) (time.Duration, error) {
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("PRODREADY_REFRESH_EVERY=%q is not a positive duration like 15m or 1h", v)
	}
	if d < minRefreshEvery {
		return 0, fmt.Errorf("PRODREADY_REFRESH_EVERY=%q is below the minimum of %s: each refresh loads the whole catalog from its source and evaluates it, so more often would only load the source (and Port's rate limits)", v, minRefreshEvery)
	}
	if d > maxRefreshEvery {
		return 0, fmt.Errorf("PRODREADY_REFRESH_EVERY=%q is above the maximum of %s: answers and notices would show a catalog older than a day", v, showDuration(maxRefreshEvery))
	}
	return d, nil
}

// hasCredentials reports whether v is a URL with a user or password in
// it. It reads the authority itself, because a URL that url.Parse
// refuses ("http://u:p w@host") still carries them.
func hasCredentials(v string) bool {
	_, rest, ok := strings.Cut(v, "://")
	if !ok {
		return false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Contains(rest, "@")
}

// credentialsHidden stands for a URL value with credentials in it.
const credentialsHidden = "(a URL with credentials; not shown)"

// mask shows a secret's value: whether it is set, never what it is. A
// Postgres URL keeps everything but its password.
func mask(name, v string) string {
	if v == "" {
		return ""
	}
	if name == "PRODREADY_DB" {
		return history.Redact(v)
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
			out = append(out, history.Secrets(val)...)
			continue
		}
		if val != "" {
			out = append(out, val)
		}
	}
	return append(out, keySecrets(getenv)...)
}

// loadDotenv fills in from .env what the environment does not set and
// returns the names it filled in, so `prodready config` can say where each
// value came from.
func loadDotenv() (map[string]bool, error) {
	data, err := os.ReadFile(".env")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read .env: %w", err)
	}
	vals, err := godotenv.UnmarshalBytes(data)
	if err != nil {
		// godotenv's error quotes the line, which may hold a secret.
		return nil, fmt.Errorf(".env line %d: not a valid NAME=value line (an unterminated quote, or a bad name); the line is not shown, it may hold a secret", dotenvBadLine(data))
	}
	from := map[string]bool{}
	for k, v := range vals {
		// A real variable wins over .env.
		if _, set := os.LookupEnv(k); !set {
			from[k] = true
			if err := os.Setenv(k, v); err != nil {
				return nil, fmt.Errorf(".env: set %s: %w", k, err)
			}
		}
	}
	return from, nil
}

// dotenvBadLine finds the line where .env stops parsing: the line after
// the longest run of whole lines that parses (a quoted value may span
// lines, so a prefix that fails mid-value is not the culprit).
func dotenvBadLine(data []byte) int {
	lines := strings.SplitAfter(string(data), "\n")
	good := 0
	for k := 1; k <= len(lines); k++ {
		if _, err := godotenv.Unmarshal(strings.Join(lines[:k], "")); err == nil {
			good = k
		}
	}
	return good + 1
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
	s, _ := e.settings() // a bad value stopped the command before
	if s == nil {
		s = &settings{}
	}
	if s.set["PRODREADY_LOG_LEVEL"] {
		level = map[string]slog.Level{"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError}[s.logLevel]
	}
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redactor(secrets(e.getenv))}
	out := namedStderr(e)
	if s.logFormat == "json" {
		return slog.New(slog.NewJSONHandler(out, opts))
	}
	return slog.New(slog.NewTextHandler(out, opts))
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
	if _, err := e.settings(); err != nil {
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
		switch {
		case val == "":
			val = v.def
		case v.secret:
			val = mask(v.name, val)
		case hasCredentials(val):
			val = credentialsHidden
		}
		if val == "" {
			val = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", v.name, val, from, v.help)
	}
	tw.Flush()
}

// finishEmail checks that the e-mail settings go together.
func (s *settings) finishEmail() error {
	switch {
	case s.smtpSet && s.emailFrom == nil:
		return errors.New("PRODREADY_SMTP_URL is set but PRODREADY_EMAIL_FROM is not: e-mails need a sender")
	case !s.smtpSet && len(s.jobs.ReportEmail) > 0:
		return errors.New("PRODREADY_REPORT_EMAIL is set but PRODREADY_SMTP_URL is not: nothing can send the e-mails")
	case !s.smtpSet && s.jobs.Routes != nil && s.jobs.Routes.HasEmail():
		return fmt.Errorf("the teams file %s routes notices by e-mail but PRODREADY_SMTP_URL is not set", s.jobs.Routes.File)
	}
	return nil
}
