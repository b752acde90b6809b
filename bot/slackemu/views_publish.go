package slackemu

// viewsPublish is views.publish: a user's Home tab (type home, 100 blocks).
func (s *Server) viewsPublish(req *apiRequest) answer {
	user := req.params["user_id"]
	if _, found := s.users[user]; !found {
		return fail("user_not_found")
	}
	v, a := ValidateView(req.params["view"], "home")
	if v == nil {
		return a
	}
	v.User = user
	if s.homes == nil {
		s.homes = map[string]*View{}
	}
	if old, had := s.homes[user]; had {
		v.ID = old.ID
	}
	s.homes[user] = v
	return ok(map[string]any{"view": s.storeViewLocked(v)})
}
