// Package selfcheck is `prodready doctor` and the check at start: the
// Slack tokens, scopes, channels and DMs, the teams file and the catalog.
package selfcheck

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/scorecard"
)

// Config is what SelfCheck looks at: the settings as serve and
// doctor have them.
type Config struct {
	BotToken string // SLACK_BOT_TOKEN; empty: console mode, Slack is not checked
	AppToken string // SLACK_APP_TOKEN; empty: HTTP mode
	APIURL   string // SLACK_API_URL; empty for Slack itself
	// ReportChannel is PRODREADY_REPORT_CHANNEL; Routes the teams file
	// (PRODREADY_TEAMS), nil when not set.
	ReportChannel string
	Routes        *delivery.TeamRoutes
	// Source is the catalog the teams file's teams are looked up in; nil
	// skips that check.
	Source scorecard.Source
	// HTTPClient carries the Slack calls; nil is a client with a 15s timeout.
	HTTPClient *http.Client
	Now        func() time.Time
}

// CheckStatus is how a check came out.
type CheckStatus int

// The outcomes of a check.
const (
	CheckOK      CheckStatus = iota
	CheckProblem             // something a feature needs is wrong: doctor exits 1
	CheckNote                // not checked, or optional: said, not a failure
)

// CheckResult is one line of the checklist.
type CheckResult struct {
	Status CheckStatus
	// Subject names the variable (and the item in it) checked:
	// "SLACK_BOT_TOKEN", "PRODREADY_TEAMS teams.payments.channel".
	Subject string
	// Detail says what was found; Fix what to do about it (problems and notes).
	Detail, Fix string
}

func (r CheckResult) String() string {
	mark := map[CheckStatus]string{CheckOK: "✓", CheckProblem: "✗", CheckNote: "–"}[r.Status]
	s := fmt.Sprintf("%s %s: %s", mark, r.Subject, r.Detail)
	if r.Fix != "" {
		s += ": " + r.Fix
	}
	return s
}

// Problems returns the results that are problems.
func Problems(results []CheckResult) []CheckResult {
	var out []CheckResult
	for _, r := range results {
		if r.Status == CheckProblem {
			out = append(out, r)
		}
	}
	return out
}

// scopeRecorder keeps the X-OAuth-Scopes header of Slack's answers: slack-go
// does not expose response headers, and that header is the only place
// Slack lists the scopes a token was granted.
type scopeRecorder struct {
	base http.RoundTripper
	mu   sync.Mutex
	seen bool
	list string
}

func (s *scopeRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := s.base.RoundTrip(req)
	if err == nil {
		if v, ok := resp.Header["X-Oauth-Scopes"]; ok && len(v) > 0 {
			s.mu.Lock()
			s.seen, s.list = true, v[0]
			s.mu.Unlock()
		}
	}
	return resp, err
}

func (s *scopeRecorder) scopes() (map[string]bool, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.seen {
		return nil, false
	}
	out := map[string]bool{}
	for _, sc := range strings.Split(s.list, ",") {
		if sc = strings.TrimSpace(sc); sc != "" {
			out[sc] = true
		}
	}
	return out, true
}

// scopeNeed is a scope and the feature that needs it.
type scopeNeed struct {
	scope, why string
	optional   bool
}

// neededScopes lists the scopes the configured features call for.
func neededScopes(cfg Config) []scopeNeed {
	need := []scopeNeed{
		{"chat:write", "posting answers, digests and notices", false},
		{"commands", "the /prodready command", false},
	}
	if cfg.ReportChannel != "" {
		need = append(need, scopeNeed{"files:write", "the digests' charts in PRODREADY_REPORT_CHANNEL", false})
	}
	dm, group := false, false
	if cfg.Routes != nil {
		for _, r := range cfg.Routes.Teams {
			if len(r.DM) > 0 {
				dm = true
				group = group || len(r.DM) > 1
			}
		}
	}
	if dm {
		need = append(need,
			scopeNeed{"users:read.email", "finding the people of the dm: lists in PRODREADY_TEAMS by email", false},
			scopeNeed{"im:write", "direct messages to the dm: lists in PRODREADY_TEAMS", false})
	}
	if group {
		need = append(need, scopeNeed{"mpim:write", "group DMs to dm: lists of several people in PRODREADY_TEAMS", false})
	}
	need = append(need, scopeNeed{"channels:history", "finding a message a crashed run posted, so it is not posted twice", true})
	return need
}

// Run checks that the settings work together with Slack and the
// catalog: each token is accepted, the scopes the configured features need
// are granted, the configured channels exist and the bot is in them, and
// the teams file names teams the catalog knows. It never returns early on a
// problem: every check runs, so one run lists everything to fix. No token
// appears in any result.
func Run(ctx context.Context, cfg Config) []CheckResult {
	var out []CheckResult
	add := func(st CheckStatus, subject, detail, fix string) {
		out = append(out, CheckResult{Status: st, Subject: subject, Detail: detail, Fix: fix})
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 15 * time.Second}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	rec := &scopeRecorder{base: base}
	wrapped := *hc
	wrapped.Transport = rec

	botOK := false
	var botUser string
	if cfg.BotToken == "" {
		add(CheckNote, "SLACK_BOT_TOKEN", "not set: console mode, messages are printed, not posted", "set it to the app's Bot User OAuth Token (xoxb-…) to post to Slack")
	} else {
		api := blockkit.NewClient(cfg.BotToken, "", cfg.APIURL, slack.OptionHTTPClient(&wrapped))
		res, err := api.AuthTestContext(ctx)
		if err != nil {
			detail, fix := tokenRefusal("SLACK_BOT_TOKEN", err, cfg.APIURL)
			add(CheckProblem, "SLACK_BOT_TOKEN", detail, fix)
		} else {
			botOK, botUser = true, res.User
			add(CheckOK, "SLACK_BOT_TOKEN", fmt.Sprintf("accepted: bot @%s in workspace %s (%s)", res.User, res.Team, res.TeamID), "")
		}
	}
	if cfg.AppToken != "" {
		api := blockkit.NewClient("", cfg.AppToken, cfg.APIURL, slack.OptionHTTPClient(hc))
		// apps.connections.open hands out a one-time WebSocket URL; it is
		// not dialled, and expires unused.
		if _, _, err := api.StartSocketModeContext(ctx); err != nil {
			detail, fix := tokenRefusal("SLACK_APP_TOKEN", err, cfg.APIURL)
			if slackCode(err) == "missing_scope" {
				fix = "give the app-level token the connections:write scope (Basic Information → App-Level Tokens)"
			}
			add(CheckProblem, "SLACK_APP_TOKEN", detail, fix)
		} else {
			add(CheckOK, "SLACK_APP_TOKEN", "accepted: Socket Mode can connect", "")
		}
	}
	if !botOK {
		if cfg.BotToken != "" {
			add(CheckNote, "scopes and channels", "not checked: the bot token was not accepted", "")
		}
	} else {
		granted, listed := rec.scopes()
		if !listed {
			add(CheckNote, "scopes", "Slack's answer did not list the token's scopes (no X-OAuth-Scopes header)", "check them under OAuth & Permissions")
		} else {
			var have []string
			for _, n := range neededScopes(cfg) {
				switch {
				case granted[n.scope]:
					have = append(have, n.scope)
				case n.optional:
					add(CheckNote, "SLACK_BOT_TOKEN scope "+n.scope, "not granted (optional, for "+n.why+")", "add the "+n.scope+" scope and reinstall the app to have it")
				default:
					add(CheckProblem, "SLACK_BOT_TOKEN scope "+n.scope, "not granted, and "+n.why+" needs it", "add the "+n.scope+" scope under OAuth & Permissions and reinstall the app")
				}
			}
			if len(have) > 0 {
				add(CheckOK, "SLACK_BOT_TOKEN scopes", "granted: "+strings.Join(have, ", "), "")
			}
		}
		api := blockkit.NewClient(cfg.BotToken, "", cfg.APIURL, slack.OptionHTTPClient(hc))
		for _, ch := range configuredChannels(cfg) {
			out = append(out, checkChannel(ctx, api, ch, botUser))
		}
		if granted["users:read.email"] || !listed {
			out = append(out, checkDMs(ctx, api, cfg.Routes)...)
		}
	}
	out = append(out, checkTeams(ctx, cfg)...)
	return out
}

// configuredChannel is a channel a setting names.
type configuredChannel struct{ subject, id string }

func configuredChannels(cfg Config) []configuredChannel {
	var out []configuredChannel
	if cfg.ReportChannel != "" {
		out = append(out, configuredChannel{"PRODREADY_REPORT_CHANNEL", cfg.ReportChannel})
	}
	if r := cfg.Routes; r != nil {
		if r.DefaultChannel != "" {
			out = append(out, configuredChannel{"PRODREADY_TEAMS (" + r.File + ") default_channel", r.DefaultChannel})
		}
		names := make([]string, 0, len(r.Teams))
		for n := range r.Teams {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			if ch := r.Teams[n].Channel; ch != "" {
				out = append(out, configuredChannel{"PRODREADY_TEAMS (" + r.File + ") teams." + n + ".channel", ch})
			}
		}
	}
	return out
}

func checkChannel(ctx context.Context, api *slack.Client, ch configuredChannel, botUser string) CheckResult {
	bot := "the bot"
	if botUser != "" {
		bot = "@" + botUser
	}
	res := CheckResult{Subject: ch.subject}
	c, err := api.GetConversationInfoContext(ctx, &slack.GetConversationInfoInput{ChannelID: ch.id})
	switch code := slackCode(err); {
	case err == nil:
	case code == "channel_not_found":
		res.Status, res.Detail = CheckProblem, fmt.Sprintf("channel %s was not found", ch.id)
		res.Fix = "use the channel's ID (channel details → About, at the bottom), not its name; for a private channel, invite " + bot + " first"
		return res
	case code == "missing_scope":
		res.Status, res.Detail = CheckNote, fmt.Sprintf("channel %s not checked: the token lacks channels:read", ch.id)
		res.Fix = "add channels:read (and groups:read for private channels) and reinstall the app to have it checked"
		return res
	default:
		res.Status, res.Detail = CheckProblem, fmt.Sprintf("channel %s could not be checked: %v", ch.id, err)
		return res
	}
	name := c.ID
	if c.Name != "" {
		name = "#" + c.Name
	}
	switch {
	case c.IsArchived:
		res.Status, res.Detail, res.Fix = CheckProblem, name+" ("+c.ID+") is archived", "unarchive it, or set "+subjectVar(ch.subject)+" to another channel"
	case !c.IsMember && !c.IsIM:
		res.Status, res.Detail, res.Fix = CheckProblem, "the bot is not a member of "+name+" ("+c.ID+")", "invite the bot to "+name+" (/invite "+bot+" in the channel)"
	default:
		res.Status, res.Detail = CheckOK, name+" ("+c.ID+"): the bot is a member"
	}
	return res
}

// maxEmailChecks bounds the users.lookupByEmail calls of one self-check:
// Slack allows that method about a hundred a minute.
const maxEmailChecks = 40

// checkDMs checks that the people of the teams file's dm: lists are
// members of the workspace, found by email as notices find them.
func checkDMs(ctx context.Context, api *slack.Client, r *delivery.TeamRoutes) []CheckResult {
	if r == nil {
		return nil
	}
	names := make([]string, 0, len(r.Teams))
	for n := range r.Teams {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []CheckResult
	checked, left, found := map[string]bool{}, 0, 0
	for _, n := range names {
		for _, email := range r.Teams[n].DM {
			key := strings.ToLower(email)
			if checked[key] {
				continue
			}
			if len(checked) >= maxEmailChecks {
				left++
				continue
			}
			checked[key] = true
			subject := "PRODREADY_TEAMS (" + r.File + ") teams." + n + ".dm"
			_, err := api.GetUserByEmailContext(ctx, email)
			switch code := slackCode(err); {
			case err == nil:
				found++
			case code == "users_not_found":
				out = append(out, CheckResult{Status: CheckProblem, Subject: subject, Detail: email + " is not a member of the Slack workspace",
					Fix: "correct the address to the one their Slack profile shows, or invite them to the workspace"})
			default:
				out = append(out, CheckResult{Status: CheckProblem, Subject: subject, Detail: email + " could not be looked up: " + err.Error()})
			}
		}
	}
	if found > 0 {
		out = append(out, CheckResult{Status: CheckOK, Subject: "PRODREADY_TEAMS (" + r.File + ") dm lists", Detail: fmt.Sprintf("%d of %d people found in Slack by email", found, len(checked))})
	}
	if left > 0 {
		out = append(out, CheckResult{Status: CheckNote, Subject: "PRODREADY_TEAMS (" + r.File + ") dm lists", Detail: fmt.Sprintf("%d more addresses not checked, to stay within Slack's rate limit", left)})
	}
	return out
}

// subjectVar is the variable a subject names.
func subjectVar(subject string) string {
	v, _, _ := strings.Cut(subject, " ")
	return v
}

// checkTeams checks that each team in the teams file is a team identifier
// the catalog knows: notices are routed by identifier, so a misspelt or
// renamed team's notices silently go to the default channel.
func checkTeams(ctx context.Context, cfg Config) []CheckResult {
	r := cfg.Routes
	if r == nil || len(r.Teams) == 0 || cfg.Source == nil {
		return nil
	}
	subject := "PRODREADY_TEAMS (" + r.File + ")"
	b, err := cfg.Source.Load(ctx, cfg.Now())
	if err != nil {
		return []CheckResult{{Status: CheckProblem, Subject: subject, Detail: "the teams could not be checked: the catalog (" + cfg.Source.Describe() + ") could not be loaded: " + err.Error()}}
	}
	known := map[string]bool{}
	var ids []string
	addID := func(id string) {
		if id != "" && !known[id] {
			known[id] = true
			ids = append(ids, id)
		}
	}
	names := map[string]string{} // lower-case name or identifier -> identifier
	for _, t := range b.Teams {
		addID(t.Identifier)
		if t.Name != "" {
			names[strings.ToLower(t.Name)] = t.Identifier
		}
	}
	if b.Catalog != nil {
		for i := range b.Catalog.Entities {
			for _, id := range b.Catalog.Entities[i].Team {
				addID(id)
			}
		}
	}
	for _, id := range ids {
		names[strings.ToLower(id)] = id
	}
	sort.Strings(ids)
	var out []CheckResult
	var good []string
	teams := make([]string, 0, len(r.Teams))
	for n := range r.Teams {
		teams = append(teams, n)
	}
	sort.Strings(teams)
	for _, team := range teams {
		if known[team] {
			good = append(good, team)
			continue
		}
		res := CheckResult{Status: CheckProblem, Subject: subject + " teams." + team,
			Detail: fmt.Sprintf("team %q is not in the catalog, so its notices go to the default channel", team)}
		if id, ok := names[strings.ToLower(team)]; ok {
			res.Fix = fmt.Sprintf("did you mean %q? The teams file is keyed by team identifier", id)
		} else if s := scorecard.Suggest(team, ids, 3); len(s) > 0 {
			res.Fix = "did you mean " + quoteJoin(s) + "?"
		} else {
			res.Fix = "use one of the catalog's team identifiers, or remove it"
		}
		out = append(out, res)
	}
	if len(good) > 0 {
		out = append(out, CheckResult{Status: CheckOK, Subject: subject, Detail: fmt.Sprintf("%d of %d teams are in the catalog", len(good), len(teams))})
	}
	return out
}

func quoteJoin(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// slackCode is Slack's error code in err, or "".
func slackCode(err error) string {
	if err == nil {
		return ""
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		return se.Err
	}
	if d := blockkit.Classify(err); d != nil && d.Reason == delivery.ReasonClient && !strings.HasPrefix(d.Code, "HTTP") {
		return d.Code
	}
	return ""
}

// tokenRefusal says why Slack refused a token, and what to do.
func tokenRefusal(variable string, err error, apiURL string) (detail, fix string) {
	code := slackCode(err)
	where := "Slack"
	if apiURL != "" {
		where = "SLACK_API_URL"
	}
	var ne net.Error
	switch {
	case code == "invalid_auth" || code == "not_authed":
		return "the token in " + variable + " was refused: " + code, "copy it again from the app's settings (" + tokenPlace(variable) + ")"
	case code == "token_revoked" || code == "account_inactive" || code == "token_expired":
		return "the token in " + variable + " was refused: " + code, "the app was uninstalled or the token revoked: reinstall the app and copy the new token (" + tokenPlace(variable) + ")"
	case code == "not_allowed_token_type":
		return "the token in " + variable + " is of the wrong kind: " + code, "use the " + tokenPlace(variable)
	case code != "":
		return "the token in " + variable + " was refused: " + code, ""
	case errors.As(err, &ne) || errors.Is(err, context.DeadlineExceeded):
		return "could not reach " + where + " to check " + variable + ": " + err.Error(), "check the network (and SLACK_API_URL if set)"
	}
	return "could not check " + variable + ": " + err.Error(), ""
}

func tokenPlace(variable string) string {
	if variable == "SLACK_APP_TOKEN" {
		return "app-level token, xapp-…, Basic Information → App-Level Tokens, with connections:write"
	}
	return "bot token, xoxb-…, OAuth & Permissions → Bot User OAuth Token"
}

// LogProblems logs each problem and note of a self-check as a warning, for
// serve: it keeps running, so the log says what will not work.
func LogProblems(log *slog.Logger, results []CheckResult) {
	for _, r := range results {
		if r.Status == CheckOK || (r.Status == CheckNote && r.Subject == "SLACK_BOT_TOKEN") {
			continue // console mode is a choice, said at start already
		}
		kind := "problem"
		if r.Status == CheckNote {
			kind = "note"
		}
		log.Warn("self-check: "+r.Subject+": "+r.Detail, "check", kind, "fix", r.Fix)
	}
}
