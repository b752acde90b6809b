package slackemu

// viewsUpdate is views.update: replaces an open view by view_id.
func (s *Server) viewsUpdate(req *apiRequest) answer {
	old, found := s.views[req.params["view_id"]]
	if !found {
		return fail("not_found")
	}
	v, a := ValidateView(req.params["view"], old.Type)
	if v == nil {
		return a
	}
	v.ID, v.User = old.ID, old.User
	return ok(map[string]any{"view": s.storeViewLocked(v)})
}
