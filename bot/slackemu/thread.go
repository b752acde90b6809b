package slackemu

// isReply says whether m went into a thread rather than the channel.
func (m Message) isReply() bool { return m.ThreadTS != "" && m.ThreadTS != m.TS }

// Replies returns the replies in the thread of the message ts in a channel
// (id or name), oldest first: messages and files posted with thread_ts.
func (s *Server) Replies(ch, ts string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.lookupLocked(ch)
	if c == nil {
		return nil
	}
	var out []Message
	for _, m := range c.messages {
		if m.isReply() && m.ThreadTS == ts {
			out = append(out, m)
		}
	}
	return out
}

// hasMessage says whether the channel holds a message with this ts.
func (c *channel) hasMessage(ts string) bool {
	for _, m := range c.messages {
		if m.TS == ts && !m.Ephemeral {
			return true
		}
	}
	return false
}
