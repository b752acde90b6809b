package slackemu

import (
	"encoding/json"
	"fmt"
	"time"
	"unicode/utf8"
)

// A trigger_id is good once, for 3 seconds, as Slack's.
const triggerTTL = 3 * time.Second

type trigger struct {
	created time.Time
	used    bool
}

// View is a modal opened with views.open or a Home tab published with
// views.publish.
type View struct {
	ID              string
	Type            string // "modal" or "home"
	User            string // the user it was opened for or published to
	CallbackID      string
	PrivateMetadata string
	Title           string
	Blocks          json.RawMessage
	JSON            json.RawMessage // the view as the app sent it
}

type viewJSON struct {
	Type            string          `json:"type"`
	Title           *textObject     `json:"title"`
	Submit          *textObject     `json:"submit"`
	Close           *textObject     `json:"close"`
	Blocks          json.RawMessage `json:"blocks"`
	CallbackID      string          `json:"callback_id"`
	PrivateMetadata string          `json:"private_metadata"`
}

func (s *Server) addTriggerLocked(id string) {
	if s.triggers == nil {
		s.triggers = map[string]trigger{}
	}
	s.triggers[id] = trigger{created: time.Now()}
}

// TriggerID returns a fresh trigger_id, as an interaction would carry.
func (s *Server) TriggerID() string {
	_, t := s.newCommand()
	return t
}

// useTriggerLocked spends a trigger_id: Slack's invalid_trigger_id,
// expired_trigger_id and exchanged_trigger_id.
func (s *Server) useTriggerLocked(id string) string {
	t, ok := s.triggers[id]
	switch {
	case id == "" || !ok:
		return "invalid_trigger_id"
	case t.used:
		return "exchanged_trigger_id"
	case time.Since(t.created) > triggerTTL:
		return "expired_trigger_id"
	}
	t.used = true
	s.triggers[id] = t
	return ""
}

// ValidateView checks a view (JSON) as views.open and views.publish do:
// its type, title, 100 blocks and every block's and element's limits.
// want is "modal" or "home".
func ValidateView(raw string, want string) (*View, answer) {
	var v viewJSON
	if err := json.Unmarshal([]byte(raw), &v); err != nil || raw == "" {
		return nil, fail("invalid_arguments")
	}
	var errs []string
	if v.Type != want {
		errs = append(errs, fmt.Sprintf("must be %q [json-pointer:/view/type]", want))
	}
	if want == "modal" {
		if v.Title == nil {
			errs = append(errs, "missing required field: title [json-pointer:/view]")
		} else {
			errs = append(errs, checkText(*v.Title, MaxViewTitle, true, "[json-pointer:/view/title]")...)
		}
		for name, t := range map[string]*textObject{"submit": v.Submit, "close": v.Close} {
			if t != nil {
				errs = append(errs, checkText(*t, MaxViewTitle, true, "[json-pointer:/view/"+name+"]")...)
			}
		}
	}
	if utf8.RuneCountInString(v.CallbackID) > MaxCallbackID {
		errs = append(errs, fmt.Sprintf("must be less than %d characters [json-pointer:/view/callback_id]", MaxCallbackID+1))
	}
	if utf8.RuneCountInString(v.PrivateMetadata) > MaxPrivateMeta {
		errs = append(errs, fmt.Sprintf("must be less than %d characters [json-pointer:/view/private_metadata]", MaxPrivateMeta+1))
	}
	if len(v.Blocks) == 0 {
		errs = append(errs, "missing required field: blocks [json-pointer:/view]")
	} else {
		berrs, format := validateBlocksMax(v.Blocks, MaxViewBlocks)
		if format {
			return nil, fail("invalid_arguments")
		}
		errs = append(errs, berrs...)
	}
	if len(errs) > 0 {
		a := fail("invalid_arguments")
		a.body["response_metadata"] = map[string]any{"messages": prefixed(errs)}
		return nil, a
	}
	title := ""
	if v.Title != nil {
		title = v.Title.Text
	}
	return &View{Type: v.Type, CallbackID: v.CallbackID, PrivateMetadata: v.PrivateMetadata, Title: title, Blocks: v.Blocks, JSON: json.RawMessage(raw)}, answer{}
}

func (s *Server) storeViewLocked(v *View) map[string]any {
	if s.views == nil {
		s.views = map[string]*View{}
	}
	if v.ID == "" {
		s.seq++
		v.ID = fmt.Sprintf("V%07d", s.seq)
	}
	s.views[v.ID] = v
	s.notifyLocked()
	var out map[string]any
	_ = json.Unmarshal(v.JSON, &out)
	if out == nil {
		out = map[string]any{}
	}
	out["id"] = v.ID
	out["team_id"] = s.opts.TeamID
	return out
}

// Views returns the modals opened so far, oldest first.
func (s *Server) Views() []View {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []View
	for _, v := range s.views {
		if v.Type == "modal" {
			out = append(out, *v)
		}
	}
	sortViews(out)
	return out
}

// Home returns the Home tab last published to user.
func (s *Server) Home(user string) (View, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.homes[user]
	if !ok {
		return View{}, false
	}
	return *v, true
}

func sortViews(v []View) {
	for i := 1; i < len(v); i++ {
		for j := i; j > 0 && v[j].ID < v[j-1].ID; j-- {
			v[j], v[j-1] = v[j-1], v[j]
		}
	}
}
