// Package delivery is the platform-neutral seam between the jobs and the
// people they write to: the Notifier interface and what it carries, the
// reasons a delivery fails and the retry stage, the exactly-once gate over
// the history, the console notifier, and the teams file's routes.
package delivery

import (
	"context"
	"time"

	"github.com/prodready/prodready/bot/chart"
	"github.com/prodready/prodready/report"
)

// Notifier delivers the jobs' messages to people. Slack is one
// (blockkit.SlackNotifier, which owns all Block Kit rendering), the console
// another (ConsoleNotifier); a new delivery target is one more package
// implementing it.
//
// Its errors carry a Reason (an *Error anywhere in their chain, see
// ReasonOf): the exactly-once gate releases the claim of a message refused
// for a ReasonClient as surely not posted, and of any other as perhaps
// posted, to be looked for before posting again.
type Notifier interface {
	// Notify delivers msgs and calls done once per message, as soon as its
	// fate is known (so the caller can record it before the next one goes
	// out); done may be called from several goroutines at once. One
	// message's failure does not stop the others. gate, when not nil, is
	// asked before each message is posted.
	Notify(ctx context.Context, msgs []*Outgoing, gate Gate, done func(Delivered))
	// Name names the platform for people reading notes and logs: "Slack".
	Name() string
	// Records says whether delivered messages reach people, and so are
	// recorded as sent under their exactly-once keys. What is printed is not.
	Records() bool
}

// Selective is a Notifier that delivers only some messages, and records
// them under destinations of its own: e-mail takes the messages that name
// e-mail recipients, and records "email:<destination>", so that its copy
// and Slack's are each sent exactly once. A notifier without it takes
// every message under its own destination.
type Selective interface {
	// Accepts says whether the notifier delivers m.
	Accepts(m *Outgoing) bool
	// Namespace prefixes the destinations it records ("email").
	Namespace() string
}

// Keep reports whether n delivers m, and the destination n records it
// under.
func Keep(n Notifier, m *Outgoing) (dest string, ok bool) {
	s, selective := n.(Selective)
	if !selective {
		return m.Destination, true
	}
	if !s.Accepts(m) {
		return "", false
	}
	return DestinationIn(n, m.Destination), true
}

// DestinationIn is the destination n records a message to dest under.
func DestinationIn(n Notifier, dest string) string {
	if s, ok := n.(Selective); ok && s.Namespace() != "" {
		return s.Namespace() + ":" + dest
	}
	return dest
}

// A Gate guards exactly-once delivery: it is asked just before each
// message is posted, once the conversation is known.
type Gate interface {
	Before(ctx context.Context, m *Outgoing, channel string) (GateDecision, error)
}

// GateDecision is what a Gate allows.
type GateDecision struct {
	// Skip, when set, says why the message is not posted (sent, or being
	// sent, by another run). Nothing failed.
	Skip string
	// Verify asks to look for the message (by its DeliveryKey) in
	// Channel's history since Since before posting it: an earlier attempt
	// claimed it and may have posted it without recording it.
	Verify  bool
	Channel string
	Since   time.Time
	// Lost, when set, is done if the gate loses the message's claim while
	// it is being posted; posting stops.
	Lost context.Context
}

// Outgoing is one message to deliver, in no platform's format: to a
// channel, or to people named by email. File, when set, goes to the same
// conversation after the message.
type Outgoing struct {
	// Destination is the destination part of the exactly-once key: the
	// report channel, or "team:<team>".
	Destination string
	// Origin says where the destination was configured, for errors:
	// "PRODREADY_REPORT_CHANNEL", "teams.payments in teams.yaml".
	Origin  string
	Channel string
	Emails  []string
	// Mail are the e-mail addresses the message goes to by e-mail (not
	// Slack's group DM, which Emails names); MailOrigin says where they
	// were configured.
	Mail       []string
	MailOrigin string
	// Where says, for people reading a dry run, where it would go.
	Where string
	// Heading is printed before the message by the console.
	Heading string

	// What it says: one of these.
	Digest *report.Digest
	Notice *report.Notice
	Text   string

	File *OutFile
	// DeliveryKey, when set, is the message's whole exactly-once key. A
	// notifier that can attaches it to the message (Slack: as metadata), so
	// that a later attempt can find the message in the conversation's
	// history when the attempt that posted it died before recording it.
	DeliveryKey string
	// Job is the job that sends the message, for notifiers that say how
	// to print it again (`prodready run JOB --dry-run`).
	Job string
}

// OutFile is a file to deliver with a message.
type OutFile struct {
	Name, Title, AltText string
	// Label names it for the console: "Chart of the level mix".
	Label string
	Data  []byte
	// Chart, when the file is a chart, is what it draws, and Over the span
	// it covers ("over the last 12 months"): a notifier says in its own
	// words what the chart shows (Slack: a comment in the digest's thread).
	Chart *chart.Input
	Over  string
}

// Delivered is what became of one Outgoing.
type Delivered struct {
	Out     *Outgoing
	Channel string // the conversation it went to
	TS      string // the platform's ID of the message (Slack: its timestamp)
	Err     error  // nil when the message was accepted
	// FileErr is a failed upload after an accepted message.
	FileErr error
	// FilePath is where the console wrote the file.
	FilePath string
	// Warnings are problems that did not stop delivery (an unknown email
	// among several).
	Warnings []string
	// Skipped says why the message was not posted although nothing failed
	// (the Gate found it sent, or being sent, by another run).
	Skipped string
	// Recovered means an earlier attempt had posted the message: it was
	// found in the conversation's history (TS is its timestamp) and not
	// posted again.
	Recovered bool
	// Claimed means the Gate let the message through: the caller holds its
	// claim and settles it.
	Claimed bool
}
