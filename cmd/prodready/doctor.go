package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prodready/prodready/bot/selfcheck"
	"github.com/prodready/prodready/bot/slackapp"
	"github.com/prodready/prodready/scorecard"
)

const doctorSynopsis = "prodready doctor\n\n" +
	"Checks the configuration against Slack and the catalog, and prints a checklist:\n" +
	"  - SLACK_BOT_TOKEN (auth.test) and SLACK_APP_TOKEN (apps.connections.open) are accepted;\n" +
	"  - the bot token has the scopes the configured features need;\n" +
	"  - PRODREADY_REPORT_CHANNEL and the channels of PRODREADY_TEAMS exist and the bot is in them;\n" +
	"  - the teams in PRODREADY_TEAMS are teams of the catalog (with \"did you mean\").\n" +
	"Each problem names the variable and what to do. serve runs the same checks at start and logs\n" +
	"the problems as warnings.\n" +
	"Exit status: 0 no problem, 1 a problem, 2 bad configuration."

// doctorTimeout bounds the whole checklist: a Slack or catalog that does
// not answer is a problem to report, not a hang.
const doctorTimeout = 2 * time.Minute

func runDoctor(ctx context.Context, e *env, args []string) int {
	fs := newFlagSet(e, "doctor", doctorSynopsis)
	if err := fs.Parse(args); err != nil {
		return flagExit(e, fs, err)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(e.stderr, "prodready doctor: unexpected argument %q; doctor is configured by the environment (see --help)\n", fs.Arg(0))
		return exitUsage
	}
	s, err := e.settings()
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready doctor: %v\n", err)
		return exitUsage
	}
	src, err := pickSource(e, sourceFlags{})
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready doctor: %v\n", err)
		return exitUsage
	}
	ctx, cancel := context.WithTimeout(ctx, doctorTimeout)
	defer cancel()
	where := "Slack"
	if s.slackAPIURL != "" {
		where = "SLACK_API_URL " + s.slackAPIURL
	}
	fmt.Fprintf(e.stdout, "prodready doctor: checking %s and the catalog (%s)\n\n", where, src.Describe())
	results := selfcheck.Run(ctx, selfCheckConfig(s, src))
	for _, r := range results {
		fmt.Fprintf(e.stdout, "  %s\n", r)
	}
	switch n := len(selfcheck.Problems(results)); n {
	case 0:
		fmt.Fprintln(e.stdout, "\nNo problems found.")
		return exitOK
	case 1:
		fmt.Fprintln(e.stdout, "\n1 problem found.")
	default:
		fmt.Fprintf(e.stdout, "\n%d problems found.\n", n)
	}
	return exitBelow
}

func selfCheckConfig(s *settings, src scorecard.Source) selfcheck.Config {
	return selfcheck.Config{
		BotToken: s.botToken, AppToken: s.appToken, APIURL: s.slackAPIURL,
		ReportChannel: s.jobs.ReportChannel, Routes: s.jobs.Routes, Source: src,
	}
}

// selfCheckAtStart runs serve's self-check in the background and logs each
// problem as a warning: serve keeps running whatever it finds. The teams
// file's teams are not looked up here: serve warns of those once its
// catalog has loaded (delivery.UnmatchedRoutes), and saying it twice is noise.
func selfCheckAtStart(ctx context.Context, s *settings, cfg slackapp.Config) {
	check := selfCheckConfig(s, nil)
	go func() {
		results := selfcheck.Run(ctx, check)
		if ctx.Err() != nil {
			return // stopped before the checks finished: nothing to say
		}
		selfcheck.LogProblems(cfg.Log, results)
		if n := len(selfcheck.Problems(results)); n > 0 {
			cfg.Log.Warn("self-check found problems; serve keeps running ('prodready doctor' prints the checklist)", "problems", n)
		} else {
			cfg.Log.Info("self-check passed", "checks", len(results))
		}
	}()
}
