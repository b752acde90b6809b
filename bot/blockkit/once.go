package blockkit

import (
	"context"
	"fmt"
	"time"

	"github.com/prodready/prodready/bot/delivery"
	"github.com/slack-go/slack"
)

// DeliveryEventType is the metadata event type of every message prodready
// posts with an exactly-once key; the payload is {"key": KEY}.
const DeliveryEventType = "prodready_delivery"

// historyPages bounds how much of a conversation findPosted reads.
const historyPages = 10

// historyScopeHint says what to do when the app cannot read a history.
const historyScopeHint = "give the Slack app the channels:history, groups:history, im:history and mpim:history scopes (bot/manifest.yaml) and reinstall it"

// findPosted looks for the message carrying key in ch's history, posted
// since since (with a margin for clocks that differ). It returns its
// timestamp, or "" when it is not there. When Slack will not let prodready
// read the history (a missing scope, a conversation it left), it returns a
// warning and no error: the message is posted, and may then show twice,
// rather than not at all.
func (d *SlackNotifier) findPosted(ctx context.Context, ch, key string, since time.Time) (ts, warn string, err error) {
	if now := time.Now(); since.After(now) {
		since = now
	}
	oldest := fmt.Sprintf("%d.000000", since.Add(-10*time.Minute).Unix())
	cursor := ""
	for page := 0; page < historyPages; page++ {
		var h *slack.GetConversationHistoryResponse
		err := d.retry.Do(ctx, func() error {
			var err error
			h, err = d.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
				ChannelID: ch, Oldest: oldest, Limit: 200, Cursor: cursor, IncludeAllMetadata: true})
			return err
		})
		if err != nil {
			de := Classify(err)
			if de.Reason == delivery.ReasonClient {
				hint := ""
				if de.Code == "missing_scope" {
					hint = "; " + historyScopeHint
				}
				return "", fmt.Sprintf("could not look in %s for message %s, which an earlier attempt may have posted (conversations.history: %s%s): posted it, so it may show twice", ch, key, de.Code, hint), nil
			}
			return "", "", fmt.Errorf("look in %s for message %s, which an earlier attempt may have posted: conversations.history: %w", ch, key, err)
		}
		for _, m := range h.Messages {
			if m.Metadata.EventType == DeliveryEventType && fmt.Sprint(m.Metadata.EventPayload["key"]) == key {
				return m.Timestamp, "", nil
			}
		}
		if !h.HasMore || h.ResponseMetaData.NextCursor == "" {
			return "", "", nil
		}
		cursor = h.ResponseMetaData.NextCursor
	}
	return "", fmt.Sprintf("looked in the last %d pages of %s's history for message %s, which an earlier attempt may have posted, without reaching its time: posted it, so it may show twice", historyPages, ch, key), nil
}
