package email

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/prodready/prodready/bot/delivery"
)

// Notifier delivers digests and notices by e-mail: an implementation of
// delivery.Notifier beside Slack's. It takes the messages that name e-mail
// recipients (Outgoing.Mail) and records them under "email:<destination>",
// so its copy is sent exactly once per period, like Slack's.
type Notifier struct {
	mailer *Mailer
	log    *slog.Logger
	retry  delivery.Retry
	// domain ends the Message-IDs: a resent copy keeps its ID.
	domain string
}

// NewNotifier returns a notifier sending through mailer.
func NewNotifier(mailer *Mailer, log *slog.Logger) *Notifier {
	domain := "prodready"
	if at := strings.LastIndexByte(mailer.from.Address, '@'); at >= 0 {
		domain = mailer.from.Address[at+1:]
	}
	return &Notifier{mailer: mailer, log: log, domain: domain,
		retry: delivery.Retry{Attempts: 3, Initial: 2 * time.Second, Max: 30 * time.Second, Classify: classify}}
}

// Name implements delivery.Notifier.
func (*Notifier) Name() string { return "e-mail" }

// Records implements delivery.Notifier: what the server accepted reaches people.
func (*Notifier) Records() bool { return true }

// Accepts implements delivery.Selective.
func (*Notifier) Accepts(m *delivery.Outgoing) bool { return len(m.Mail) > 0 }

// Namespace implements delivery.Selective.
func (*Notifier) Namespace() string { return "email" }

// Notify implements delivery.Notifier, one message at a time.
func (n *Notifier) Notify(ctx context.Context, msgs []*delivery.Outgoing, gate delivery.Gate, done func(delivery.Delivered)) {
	for _, m := range msgs {
		done(n.one(ctx, m, gate))
	}
}

func (n *Notifier) one(ctx context.Context, m *delivery.Outgoing, gate delivery.Gate) delivery.Delivered {
	m.Origin = m.MailOrigin // this notifier's own copy: its errors name where the addresses came from
	d := delivery.Delivered{Out: m, Channel: "email:" + strings.Join(m.Mail, ",")}
	if gate != nil {
		dec, err := gate.Before(ctx, m, d.Channel)
		if err != nil {
			d.Err = err
			return d
		}
		if dec.Skip != "" {
			d.Skipped = dec.Skip
			return d
		}
		d.Claimed = true
		if dec.Verify {
			// A mailbox cannot be searched for what an earlier attempt may
			// have sent; the copy keeps that attempt's Message-ID, so a mail
			// client shows it once.
			d.Warnings = append(d.Warnings, "an earlier attempt may have sent this e-mail before it stopped; sent again with the same Message-ID")
		}
		if dec.Lost != nil {
			var cancel context.CancelFunc
			ctx, cancel = context.WithCancel(ctx)
			defer cancel()
			stop := context.AfterFunc(dec.Lost, cancel)
			defer stop()
		}
	}
	msg, err := n.render(m)
	if err != nil {
		d.Err = &delivery.Error{Reason: delivery.ReasonClient, Err: err}
		return d
	}
	msg.ID = n.messageID(m)
	d.Err = n.retry.Do(ctx, func() error { return n.mailer.Send(ctx, msg) })
	if d.Err == nil {
		d.TS = msg.ID
	}
	return d
}

func (n *Notifier) render(m *delivery.Outgoing) (Message, error) {
	switch {
	case m.Digest != nil:
		var c *Chart
		if f := m.File; f != nil {
			c = &Chart{Name: f.Name, Title: f.Title, AltText: f.AltText, Data: f.Data}
		}
		return Digest(m.Digest, c, m.Mail)
	case m.Notice != nil:
		return Notice(m.Notice, m.Mail)
	}
	subject := m.Text
	if i := strings.IndexByte(subject, '\n'); i >= 0 {
		subject = subject[:i]
	}
	return Text("prodready: "+subject, m.Text, m.Mail), nil
}

// messageID is the same for every attempt at one message: derived from
// its exactly-once key.
func (n *Notifier) messageID(m *delivery.Outgoing) string {
	key := m.DeliveryKey
	if key == "" {
		key = fmt.Sprintf("%s/%s/%d", m.Job, m.Destination, time.Now().UnixNano())
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:12]) + "@" + n.domain
}

// classify gives a send error its delivery reason.
func classify(err error) *delivery.Error {
	if err == nil {
		return nil
	}
	var de *delivery.Error
	if errors.As(err, &de) {
		return de
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &delivery.Error{Reason: delivery.ReasonCanceled, Err: err}
	}
	var se *SendError
	if errors.As(err, &se) && !se.Temporary {
		return &delivery.Error{Reason: delivery.ReasonClient, Err: err}
	}
	return &delivery.Error{Reason: delivery.ReasonServer, Err: err}
}
