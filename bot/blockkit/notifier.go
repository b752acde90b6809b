// Package blockkit is Slack's notifier: the digests, notices and buttons
// rendered as Block Kit within Slack's limits, posting with the exactly-once
// key as metadata, finding a posted message by it, and file uploads; and the
// Block Kit primitives the Slack surface shares.
package blockkit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/slack-go/slack"
)

// SlackPoster is what delivery needs of Slack; *slack.Client has it.
type SlackPoster interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	GetUserByEmailContext(ctx context.Context, email string) (*slack.User, error)
	OpenConversationContext(ctx context.Context, params *slack.OpenConversationParameters) (*slack.Channel, bool, bool, error)
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
	GetConversationHistoryContext(ctx context.Context, params *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error)
}

// slackServerCodes are ok:false answers that mean Slack had trouble, not us.
var slackServerCodes = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true, "request_timeout": true,
}

// Classify gives a Slack error its delivery reason: the Slack notifier's
// errors all carry one (delivery.ReasonOf).
func Classify(err error) *delivery.Error {
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
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &delivery.Error{Reason: delivery.ReasonRateLimited, Code: "ratelimited", Err: err}
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		if sc.Code >= 500 {
			return &delivery.Error{Reason: delivery.ReasonServer, Code: fmt.Sprintf("HTTP %d", sc.Code), Err: err}
		}
		return &delivery.Error{Reason: delivery.ReasonClient, Code: fmt.Sprintf("HTTP %d", sc.Code), Err: err}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		if slackServerCodes[se.Err] {
			return &delivery.Error{Reason: delivery.ReasonServer, Code: se.Err, Err: err}
		}
		return &delivery.Error{Reason: delivery.ReasonClient, Code: se.Err, Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return &delivery.Error{Reason: delivery.ReasonNetwork, Err: err}
	}
	// slack-go reports some API errors as plain errors carrying the code.
	msg := err.Error()
	for code := range slackServerCodes {
		if msg == code {
			return &delivery.Error{Reason: delivery.ReasonServer, Code: code, Err: err}
		}
	}
	if !strings.Contains(msg, " ") {
		return &delivery.Error{Reason: delivery.ReasonClient, Code: msg, Err: err}
	}
	return &delivery.Error{Reason: delivery.ReasonNetwork, Err: err}
}

// directory resolves emails to DM conversations through
// users.lookupByEmail and conversations.open, and remembers the answers.
type directory struct {
	api   SlackPoster
	ttl   time.Duration
	now   func() time.Time
	mu    sync.Mutex
	users map[string]cached // email (lower case) -> user id
	dms   map[string]cached // sorted user ids -> conversation id
}

type cached struct {
	value string
	at    time.Time
}

func (d *directory) get(m map[string]cached, k string) (string, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := m[k]
	if !ok || d.now().Sub(c.at) > d.ttl {
		return "", false
	}
	return c.value, true
}

func (d *directory) put(m map[string]cached, k, v string) {
	d.mu.Lock()
	m[k] = cached{v, d.now()}
	d.mu.Unlock()
}

// open returns the conversation with the people whose emails are given.
// Unknown emails are warnings as long as someone is left to write to.
func (d *directory) open(ctx context.Context, retry delivery.Retry, emails []string) (string, []string, error) {
	var ids, warnings []string
	var lastErr error
	for _, e := range emails {
		key := strings.ToLower(e)
		id, ok := d.get(d.users, key)
		if !ok {
			var u *slack.User
			err := retry.Do(ctx, func() error {
				var err error
				u, err = d.api.GetUserByEmailContext(ctx, e)
				return err
			})
			if err != nil {
				lastErr = fmt.Errorf("users.lookupByEmail %s: %w", e, err)
				warnings = append(warnings, lastErr.Error())
				continue
			}
			id = u.ID
			d.put(d.users, key, id)
		}
		ids = append(ids, id)
	}
	if len(ids) == 0 {
		return "", nil, lastErr
	}
	slices.Sort(ids)
	key := strings.Join(ids, ",")
	if ch, ok := d.get(d.dms, key); ok {
		return ch, warnings, nil
	}
	var ch *slack.Channel
	err := retry.Do(ctx, func() error {
		var err error
		ch, _, _, err = d.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: ids, ReturnIM: true})
		return err
	})
	if err != nil {
		return "", warnings, fmt.Errorf("conversations.open with %s: %w", strings.Join(emails, ", "), err)
	}
	d.put(d.dms, key, ch.ID)
	return ch.ID, warnings, nil
}

// SlackNotifier posts messages to Slack, rendered as Block Kit: channels in
// parallel (at most Workers at a time), each channel's messages in order
// and at most one per PerChannel, with a retry stage for what slack-go's
// own retries do not cover, and the gate asked before each post.
type SlackNotifier struct {
	api        SlackPoster
	dir        *directory
	retry      delivery.Retry
	perChannel time.Duration
	workers    int
	log        *slog.Logger

	// lastPost remembers each channel's last post across Deliver calls, so
	// two runs in a row (a digest, then notices) keep the pace too.
	mu       sync.Mutex
	lastPost map[string]time.Time
}

// DeliveryOptions tune a SlackNotifier; zero values take the defaults.
type DeliveryOptions struct {
	PerChannel time.Duration // default 1s: Slack's chat.postMessage limit per channel
	Workers    int           // default 8
	Retries    int           // attempts for server errors; default 4
	Backoff    time.Duration // first wait between them; default 1s
	CacheTTL   time.Duration // how long user and DM look-ups are remembered; default 24h
	Now        func() time.Time
}

// NewSlackNotifier returns a SlackNotifier over api.
func NewSlackNotifier(api SlackPoster, log *slog.Logger, o DeliveryOptions) *SlackNotifier {
	if o.PerChannel <= 0 {
		o.PerChannel = time.Second
	}
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Retries <= 0 {
		o.Retries = 4
	}
	if o.Backoff <= 0 {
		o.Backoff = time.Second
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = 24 * time.Hour
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &SlackNotifier{
		api:        api,
		dir:        &directory{api: api, ttl: o.CacheTTL, now: o.Now, users: map[string]cached{}, dms: map[string]cached{}},
		retry:      delivery.Retry{Attempts: o.Retries, Initial: o.Backoff, Max: 30 * time.Second, Classify: Classify},
		perChannel: o.PerChannel,
		workers:    o.Workers,
		log:        log,
		lastPost:   map[string]time.Time{},
	}
}

// Name implements delivery.Notifier.
func (*SlackNotifier) Name() string { return "Slack" }

// Records implements delivery.Notifier: what Slack accepts reaches people.
func (*SlackNotifier) Records() bool { return true }

// Accepts implements delivery.Selective: Slack takes the messages that name
// a channel or people for a group DM (not those only for e-mail).
func (*SlackNotifier) Accepts(m *delivery.Outgoing) bool { return m.Channel != "" || len(m.Emails) > 0 }

// Namespace implements delivery.Selective: Slack records messages under
// the jobs' own destinations.
func (*SlackNotifier) Namespace() string { return "" }

// Notify implements Notifier.
func (d *SlackNotifier) Notify(ctx context.Context, msgs []*delivery.Outgoing, gate delivery.Gate, done func(delivery.Delivered)) {
	// Resolve DMs first, in parallel, so messages can be grouped by channel.
	resolved := make([]delivery.Delivered, len(msgs))
	sem := make(chan struct{}, d.workers)
	var wg sync.WaitGroup
	for i, m := range msgs {
		resolved[i] = delivery.Delivered{Out: m, Channel: m.Channel}
		if m.Channel != "" {
			continue
		}
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			ch, warn, err := d.dir.open(ctx, d.retry, m.Emails)
			resolved[i].Channel, resolved[i].Warnings, resolved[i].Err = ch, warn, err
		}()
	}
	wg.Wait()

	var order []string
	byChannel := map[string][]int{}
	for i, r := range resolved {
		if r.Err != nil {
			done(r)
			continue
		}
		if _, ok := byChannel[r.Channel]; !ok {
			order = append(order, r.Channel)
		}
		byChannel[r.Channel] = append(byChannel[r.Channel], i)
	}
	for _, ch := range order {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			d.channel(ctx, ch, byChannel[ch], resolved, gate, done)
		}()
	}
	wg.Wait()
}

// channel sends one conversation's messages in order, spaced PerChannel apart.
func (d *SlackNotifier) channel(ctx context.Context, ch string, idx []int, resolved []delivery.Delivered, gate delivery.Gate, done func(delivery.Delivered)) {
	for _, i := range idx {
		done(d.one(ctx, ch, resolved[i], gate))
	}
}

// pace waits until ch may take another message.
func (d *SlackNotifier) pace(ctx context.Context, ch string) error {
	d.mu.Lock()
	last := d.lastPost[ch]
	d.mu.Unlock()
	if last.IsZero() {
		return nil
	}
	t := time.NewTimer(time.Until(last.Add(d.perChannel)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (d *SlackNotifier) posted(ch string) {
	d.mu.Lock()
	d.lastPost[ch] = time.Now()
	d.mu.Unlock()
}

// one sends one message: through the gate, then posted with its key, then
// its file.
func (d *SlackNotifier) one(ctx context.Context, ch string, r delivery.Delivered, gate delivery.Gate) delivery.Delivered {
	if err := d.pace(ctx, ch); err != nil {
		r.Err = Classify(err)
		return r
	}
	m := r.Out
	postCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if gate != nil {
		dec, err := gate.Before(ctx, m, ch)
		if err != nil {
			r.Err = err
			return r
		}
		if dec.Skip != "" {
			r.Skipped = dec.Skip
			return r
		}
		r.Claimed = true
		if dec.Lost != nil {
			// The claim was taken over by another process: stop posting.
			stop := context.AfterFunc(dec.Lost, cancel)
			defer stop()
		}
		if dec.Verify {
			ts, warn, err := d.findPosted(postCtx, dec.Channel, m.DeliveryKey, dec.Since)
			if warn != "" {
				r.Warnings = append(r.Warnings, warn)
			}
			if err != nil {
				r.Err = err
				return r
			}
			if ts != "" {
				r.Channel, r.TS, r.Recovered = dec.Channel, ts, true
				return r
			}
		}
	}
	text, blocks := slackMessage(m)
	opts := []slack.MsgOption{slack.MsgOptionText(text, false)}
	if len(blocks) > 0 {
		opts = append(opts, slack.MsgOptionBlocks(blocks...))
	}
	if m.DeliveryKey != "" {
		opts = append(opts, slack.MsgOptionMetadata(slack.SlackMetadata{EventType: DeliveryEventType, EventPayload: map[string]any{"key": m.DeliveryKey}}))
	}
	attempt := 0
	start := time.Now()
	err := d.retry.Do(postCtx, func() error {
		attempt++
		if attempt > 1 && m.DeliveryKey != "" {
			// The failed attempt may have reached Slack all the same
			// (an answer lost on the way back).
			ts, warn, err := d.findPosted(postCtx, ch, m.DeliveryKey, start)
			if warn != "" {
				r.Warnings = append(r.Warnings, warn)
			}
			if err == nil && ts != "" {
				r.TS = ts
				return nil
			}
		}
		c, ts, err := d.api.PostMessageContext(postCtx, ch, opts...)
		if err == nil {
			r.Channel, r.TS = c, ts
		}
		return err
	})
	d.posted(ch)
	if err != nil {
		if ctx.Err() == nil && postCtx.Err() != nil {
			err = fmt.Errorf("%w: another process took over the message's claim", err)
		}
		r.Err = fmt.Errorf("chat.postMessage to %s: %w", ch, err)
		return r
	}
	if m.File != nil {
		if err := d.pace(postCtx, ch); err == nil {
			_, err = d.api.UploadFileContext(postCtx, slack.UploadFileParameters{
				Reader: bytes.NewReader(m.File.Data), FileSize: len(m.File.Data), Filename: m.File.Name,
				Title: m.File.Title, AltTxt: m.File.AltText, Channel: r.Channel,
				// In the message's thread, so the channel shows one post.
				ThreadTimestamp: r.TS, InitialComment: fileComment(m.File),
			})
			d.posted(ch)
			if err != nil {
				r.FileErr = fmt.Errorf("upload %s to %s: %w", m.File.Name, ch, Classify(err))
			}
		} else {
			r.FileErr = err
		}
	}
	return r
}

// fileComment goes with a file in its message's thread: for a chart, what
// it shows.
func fileComment(f *delivery.OutFile) string {
	if f.Chart == nil {
		return ""
	}
	return ChartComment(f.Chart.Scorecards, f.Chart.Mixes, f.Chart.Target, f.Over)
}

// slackMessage is m as Slack shows it: the notification text and the blocks.
func slackMessage(m *delivery.Outgoing) (string, []slack.Block) {
	switch {
	case m.Digest != nil:
		return DigestMessage(m.Digest, m.Job)
	case m.Notice != nil:
		return NoticeMessage(m.Notice)
	}
	return m.Text, nil
}
