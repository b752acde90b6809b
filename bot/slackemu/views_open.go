package slackemu

// viewsOpen is views.open: a modal, for a trigger_id spent once within 3s.
func (s *Server) viewsOpen(req *apiRequest) answer {
	v, a := ValidateView(req.params["view"], "modal")
	if v == nil {
		return a
	}
	if code := s.useTriggerLocked(req.params["trigger_id"]); code != "" {
		return fail(code)
	}
	return ok(map[string]any{"view": s.storeViewLocked(v)})
}
