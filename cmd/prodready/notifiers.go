package main

import (
	"log/slog"

	"github.com/prodready/prodready/bot/blockkit"
	"github.com/prodready/prodready/bot/delivery"
	"github.com/prodready/prodready/bot/email"
	"github.com/prodready/prodready/bot/metrics"
)

// consoleWhy says, in a run's notes, why messages were printed.
const consoleWhy = "neither SLACK_BOT_TOKEN nor PRODREADY_SMTP_URL is set"

// notifiers are where the jobs deliver: Slack when SLACK_BOT_TOKEN is set,
// e-mail when PRODREADY_SMTP_URL is. None is console mode. A new delivery
// target is one more entry here.
// m, when set, counts Slack's posts.
func notifiers(s *settings, m *metrics.Metrics, log *slog.Logger) []delivery.Notifier {
	var ns []delivery.Notifier
	if s.botToken != "" {
		// Its HTTP layer waits out 429s and retries 5xx (NewDeliveryClient).
		api := blockkit.NewDeliveryClient(s.botToken, s.slackAPIURL, blockkit.SlackHTTPClient(m))
		ns = append(ns, blockkit.NewSlackNotifier(api, log, blockkit.DeliveryOptions{}))
	}
	if s.smtpSet {
		ns = append(ns, email.NewNotifier(email.NewMailer(s.smtp, s.emailFrom), log))
	}
	return ns
}
