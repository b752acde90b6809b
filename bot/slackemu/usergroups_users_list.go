package slackemu

// AddUserGroup creates a user group (an S… ID) with these members.
func (s *Server) AddUserGroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usergroups == nil {
		s.usergroups = map[string][]string{}
	}
	s.usergroups[id] = append([]string(nil), members...)
	s.notifyLocked()
}

// usergroupUsers is usergroups.users.list: the members of a user group.
func (s *Server) usergroupUsers(req *apiRequest) answer {
	id := req.params["usergroup"]
	if id == "" {
		return fail("invalid_arguments")
	}
	members, found := s.usergroups[id]
	if !found {
		return fail("no_such_subteam")
	}
	return ok(map[string]any{"users": append([]string{}, members...)})
}
