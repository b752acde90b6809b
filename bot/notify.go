package bot

import (
	"context"

	"github.com/prodready/prodready/report"
)

// Notifier delivers the jobs' messages to people. Slack is one
// (SlackNotifier, which owns all Block Kit rendering), the console another
// (ConsoleNotifier); a new delivery target is one more implementation.
type Notifier interface {
	// Notify delivers msgs and calls done once per message, as soon as its
	// fate is known (so the caller can record it before the next one goes
	// out); done may be called from several goroutines at once. One
	// message's failure does not stop the others. gate, when not nil, is
	// asked before each message is posted.
	Notify(ctx context.Context, msgs []*Outgoing, gate Gate, done func(Delivered))
	// Records says whether delivered messages reach people, and so are
	// recorded as sent under their exactly-once keys. What is printed is not.
	Records() bool
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
	// Where says, for people reading a dry run, where it would go.
	Where string
	// Heading is printed before the message by the console.
	Heading string

	// What it says: one of these.
	Digest *report.Digest
	Notice *report.Notice
	Text   string

	File *OutFile
	// DeliveryKey, when set, is the message's whole exactly-once key. It is
	// attached to the message as metadata (event type DeliveryEventType),
	// so that a later attempt can find the message in the conversation's
	// history when the attempt that posted it died before recording it.
	DeliveryKey string
}

// OutFile is a file to deliver with a message.
type OutFile struct {
	Name, Title, AltText string
	// Label names it for the console: "Chart of the level mix".
	Label string
	Data  []byte
	// Comment goes with the file in Slack: the digest's chart is posted in
	// the digest's thread with it.
	Comment string
}

// Delivered is what became of one Outgoing.
type Delivered struct {
	Out     *Outgoing
	Channel string // the conversation it went to
	TS      string // Slack's timestamp of the message
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
