package slackemu

import "sort"

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

// AddNamedUserGroup creates a user group with a handle (its @mention name,
// also its name here) and these members, listed by usergroups.list.
func (s *Server) AddNamedUserGroup(id, handle string, members ...string) {
	s.AddUserGroup(id, members...)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.usergroupHandles == nil {
		s.usergroupHandles = map[string]string{}
	}
	s.usergroupHandles[id] = handle
}

// usergroupsList is usergroups.list: the workspace's user groups, with
// their members when include_users is true.
func (s *Server) usergroupsList(req *apiRequest) answer {
	ids := make([]string, 0, len(s.usergroups))
	for id := range s.usergroups {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	groups := make([]map[string]any, 0, len(ids))
	for _, id := range ids {
		g := map[string]any{"id": id, "handle": s.usergroupHandles[id], "name": s.usergroupHandles[id]}
		if req.params["include_users"] == "true" {
			g["users"] = append([]string{}, s.usergroups[id]...)
		}
		groups = append(groups, g)
	}
	return ok(map[string]any{"usergroups": groups})
}
