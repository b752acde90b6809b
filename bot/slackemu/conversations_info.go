package slackemu

import (
	"net/http"
	"strings"
)

// conversationInfo answers conversations.info: the channel by id (Slack
// does not take names here), with is_member saying whether the bot is in it.
func (s *Server) conversationInfo(req *apiRequest) answer {
	id := req.params["channel"]
	c, found := s.channels[id]
	if id == "" || !found {
		return fail("channel_not_found")
	}
	ch := map[string]any{
		"id": c.id, "name": c.name, "is_archived": c.archived, "is_member": c.member || c.im,
		"is_channel": !c.im, "is_im": c.im && strings.HasPrefix(c.id, "D"), "is_mpim": c.im && strings.HasPrefix(c.id, "G"),
		"is_private": c.im,
	}
	if c.im {
		ch["name"] = ""
		ch["user"] = c.name
	}
	return ok(map[string]any{"channel": ch})
}

// grantedScopes adds the X-OAuth-Scopes header Slack sends with every
// answer to a known token: the scopes it holds, comma-separated.
func (s *Server) grantedScopes(tok string, a *answer) {
	s.mu.Lock()
	t, found := s.tokens[tok]
	good := found && !t.revoked
	var scopes string
	if good {
		scopes = strings.Join(sortedScopes(t), ",")
	}
	s.mu.Unlock()
	if !good {
		return
	}
	if a.header == nil {
		a.header = http.Header{}
	}
	a.header.Set("X-OAuth-Scopes", scopes)
}
