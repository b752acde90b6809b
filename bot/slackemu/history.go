package slackemu

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
)

// Message metadata and conversations.history, as Slack has them:
//
//   - chat.postMessage takes "metadata", a JSON object with a string
//     event_type and an object event_payload; anything else is
//     invalid_metadata_format (not JSON) or invalid_metadata_schema, and
//     more than maxMetadataLen bytes is metadata_too_large. The message
//     keeps it (Message.Metadata).
//   - conversations.history returns a conversation's messages newest first,
//     without ephemeral messages and thread replies; metadata only with
//     include_all_metadata. It needs the *:history scope of the
//     conversation's kind (channels:history for a public channel,
//     groups:history for a private one, im:history for a DM, mpim:history
//     for a group DM: missing_scope names it) and a conversation the bot is
//     in (not_in_channel). limit defaults to 100 and is capped at 999;
//     oldest and latest bound the timestamps (exclusive unless inclusive);
//     has_more and response_metadata.next_cursor page on.

// maxMetadataLen is the largest metadata the emulator accepts, in bytes.
const maxMetadataLen = 8192

// Private makes AddChannel create a private channel (an id starting with G):
// reading its history needs groups:history.
func Private() ChannelOption {
	return func(c *channel) { c.id = "G" + c.id[1:] }
}

// checkMetadata validates chat.postMessage's metadata argument.
func checkMetadata(raw string) (json.RawMessage, answer, bool) {
	if strings.TrimSpace(raw) == "" {
		return nil, answer{}, true
	}
	if len(raw) > maxMetadataLen {
		return nil, fail("metadata_too_large"), false
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, fail("invalid_metadata_format"), false
	}
	var eventType string
	var payload map[string]any
	if json.Unmarshal(m["event_type"], &eventType) != nil || strings.TrimSpace(eventType) == "" ||
		json.Unmarshal(m["event_payload"], &payload) != nil || payload == nil {
		return nil, fail("invalid_metadata_schema"), false
	}
	return json.RawMessage(raw), answer{}, true
}

// historyScope is the scope reading c's history needs.
func historyScope(c *channel) string {
	switch {
	case c.im && strings.HasPrefix(c.id, "D"):
		return "im:history"
	case c.im:
		return "mpim:history"
	case strings.HasPrefix(c.id, "G"):
		return "groups:history"
	}
	return "channels:history"
}

const cursorPrefix = "next_ts:"

func (s *Server) history(req *apiRequest) answer {
	p := req.params
	c := s.lookupLocked(p["channel"])
	if c == nil || p["channel"] != c.id {
		return fail("channel_not_found") // Slack wants the id, not a name
	}
	if sc := historyScope(c); !req.token.scopes[sc] {
		a := fail("missing_scope")
		a.body["needed"] = sc
		a.body["provided"] = strings.Join(sortedScopes(req.token), ",")
		return a
	}
	if !c.member {
		return fail("not_in_channel")
	}
	limit := 100
	if v := p["limit"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fail("invalid_limit")
		}
		if n > 0 {
			limit = min(n, 999)
		}
	}
	inclusive := p["inclusive"] == "1" || p["inclusive"] == "true"
	var oldest, latest string
	if v := p["oldest"]; v != "" {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fail("invalid_ts_oldest")
		}
		oldest = v
	}
	if v := p["latest"]; v != "" {
		if _, err := strconv.ParseFloat(v, 64); err != nil {
			return fail("invalid_ts_latest")
		}
		latest = v
	}
	before := "" // from the cursor: only messages older than this
	if v := p["cursor"]; v != "" {
		b, err := base64.StdEncoding.DecodeString(v)
		ts, found := strings.CutPrefix(string(b), cursorPrefix)
		if err != nil || !found {
			return fail("invalid_cursor")
		}
		before = ts
	}
	withMeta := p["include_all_metadata"] == "1" || p["include_all_metadata"] == "true"

	var page []map[string]any
	hasMore := false
	for i := len(c.messages) - 1; i >= 0; i-- {
		m := c.messages[i]
		if m.Ephemeral || (m.ThreadTS != "" && m.ThreadTS != m.TS) {
			continue
		}
		if before != "" && !tsLess(m.TS, before) {
			continue
		}
		if latest != "" && !(tsLess(m.TS, latest) || inclusive && m.TS == latest) {
			continue
		}
		if oldest != "" && !(tsLess(oldest, m.TS) || inclusive && m.TS == oldest) {
			continue
		}
		if len(page) == limit {
			hasMore = true
			break
		}
		page = append(page, s.historyJSON(m, withMeta))
	}
	out := map[string]any{"messages": page, "has_more": hasMore, "pin_count": 0}
	if page == nil {
		out["messages"] = []any{}
	}
	if hasMore {
		last := page[len(page)-1]["ts"].(string)
		out["response_metadata"] = map[string]any{"next_cursor": base64.StdEncoding.EncodeToString([]byte(cursorPrefix + last))}
	}
	return ok(out)
}

func (s *Server) historyJSON(m Message, withMeta bool) map[string]any {
	out := map[string]any{"type": "message", "ts": m.TS, "text": m.Text, "user": "U0BOT", "bot_id": s.botID,
		"app_id": s.opts.AppID, "team": s.opts.TeamID}
	if m.Blocks != nil {
		out["blocks"] = m.Blocks
	}
	if withMeta && m.Metadata != nil {
		out["metadata"] = m.Metadata
	}
	if len(m.Files) > 0 {
		files := make([]map[string]any, len(m.Files))
		for i, f := range m.Files {
			files[i] = map[string]any{"id": f}
		}
		out["files"] = files
	}
	return out
}
