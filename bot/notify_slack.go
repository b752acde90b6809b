package bot

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

// Reason classifies a delivery error, as Alertmanager's notifiers do.
type Reason string

// The reasons a delivery fails.
const (
	ReasonClient      Reason = "client error"  // our request or configuration: not retried
	ReasonRateLimited Reason = "rate limited"  // 429 still, after slack-go waited
	ReasonServer      Reason = "server error"  // Slack's side: retried with backoff
	ReasonCanceled    Reason = "canceled"      // the run was stopped
	ReasonNetwork     Reason = "network error" // retried with backoff
)

// DeliveryError is a failed delivery with its reason and Slack's error code.
type DeliveryError struct {
	Reason Reason
	Code   string // Slack's error code when it gave one ("channel_not_found")
	Err    error
}

func (e *DeliveryError) Error() string {
	if e.Code != "" {
		return fmt.Sprintf("%s: %s", e.Reason, e.Code)
	}
	return fmt.Sprintf("%s: %v", e.Reason, e.Err)
}

func (e *DeliveryError) Unwrap() error { return e.Err }

// retryable says whether the retry stage should try again.
func (e *DeliveryError) retryable() bool {
	return e.Reason == ReasonServer || e.Reason == ReasonNetwork
}

// slackServerCodes are ok:false answers that mean Slack had trouble, not us.
var slackServerCodes = map[string]bool{
	"internal_error": true, "fatal_error": true, "service_unavailable": true, "request_timeout": true,
}

func classify(err error) *DeliveryError {
	if err == nil {
		return nil
	}
	var de *DeliveryError
	if errors.As(err, &de) {
		return de
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return &DeliveryError{Reason: ReasonCanceled, Err: err}
	}
	var rl *slack.RateLimitedError
	if errors.As(err, &rl) {
		return &DeliveryError{Reason: ReasonRateLimited, Code: "ratelimited", Err: err}
	}
	var sc slack.StatusCodeError
	if errors.As(err, &sc) {
		if sc.Code >= 500 {
			return &DeliveryError{Reason: ReasonServer, Code: fmt.Sprintf("HTTP %d", sc.Code), Err: err}
		}
		return &DeliveryError{Reason: ReasonClient, Code: fmt.Sprintf("HTTP %d", sc.Code), Err: err}
	}
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		if slackServerCodes[se.Err] {
			return &DeliveryError{Reason: ReasonServer, Code: se.Err, Err: err}
		}
		return &DeliveryError{Reason: ReasonClient, Code: se.Err, Err: err}
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return &DeliveryError{Reason: ReasonNetwork, Err: err}
	}
	// slack-go reports some API errors as plain errors carrying the code.
	msg := err.Error()
	for code := range slackServerCodes {
		if msg == code {
			return &DeliveryError{Reason: ReasonServer, Code: code, Err: err}
		}
	}
	if !strings.Contains(msg, " ") {
		return &DeliveryError{Reason: ReasonClient, Code: msg, Err: err}
	}
	return &DeliveryError{Reason: ReasonNetwork, Err: err}
}

// retryStage retries what slack-go's HTTP retries do not cover (Slack's
// ok:false server codes, errors after its retries ran out) with backoff.
type retryStage struct {
	attempts int
	initial  time.Duration
	max      time.Duration
}

func (r retryStage) do(ctx context.Context, f func() error) error {
	wait := r.initial
	var err *DeliveryError
	for i := 0; i < max(r.attempts, 1); i++ {
		if i > 0 {
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return classify(ctx.Err())
			case <-t.C:
			}
			wait = min(2*wait, r.max)
		}
		err = classify(f())
		if err != nil && err.Reason == ReasonCanceled && ctx.Err() == nil {
			// The HTTP client's own timeout, not the run's end.
			err = &DeliveryError{Reason: ReasonNetwork, Err: err.Err}
		}
		if err == nil || !err.retryable() {
			break
		}
	}
	if err == nil {
		return nil
	}
	return err
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
func (d *directory) open(ctx context.Context, retry retryStage, emails []string) (string, []string, error) {
	var ids, warnings []string
	var lastErr error
	for _, e := range emails {
		key := strings.ToLower(e)
		id, ok := d.get(d.users, key)
		if !ok {
			var u *slack.User
			err := retry.do(ctx, func() error {
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
	err := retry.do(ctx, func() error {
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
	retry      retryStage
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
		retry:      retryStage{attempts: o.Retries, initial: o.Backoff, max: 30 * time.Second},
		perChannel: o.PerChannel,
		workers:    o.Workers,
		log:        log,
		lastPost:   map[string]time.Time{},
	}
}

// Records implements Notifier: what Slack accepts reaches people.
func (*SlackNotifier) Records() bool { return true }

// Notify implements Notifier.
func (d *SlackNotifier) Notify(ctx context.Context, msgs []*Outgoing, gate Gate, done func(Delivered)) {
	// Resolve DMs first, in parallel, so messages can be grouped by channel.
	resolved := make([]Delivered, len(msgs))
	sem := make(chan struct{}, d.workers)
	var wg sync.WaitGroup
	for i, m := range msgs {
		resolved[i] = Delivered{Out: m, Channel: m.Channel}
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
func (d *SlackNotifier) channel(ctx context.Context, ch string, idx []int, resolved []Delivered, gate Gate, done func(Delivered)) {
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
func (d *SlackNotifier) one(ctx context.Context, ch string, r Delivered, gate Gate) Delivered {
	if err := d.pace(ctx, ch); err != nil {
		r.Err = classify(err)
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
	err := d.retry.do(postCtx, func() error {
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
				ThreadTimestamp: r.TS, InitialComment: m.File.Comment,
			})
			d.posted(ch)
			if err != nil {
				r.FileErr = fmt.Errorf("upload %s to %s: %w", m.File.Name, ch, classify(err))
			}
		} else {
			r.FileErr = err
		}
	}
	return r
}

// slackMessage is m as Slack shows it: the notification text and the blocks.
func slackMessage(m *Outgoing) (string, []slack.Block) {
	switch {
	case m.Digest != nil:
		return DigestMessage(m.Digest)
	case m.Notice != nil:
		return NoticeMessage(m.Notice)
	}
	return m.Text, nil
}
