package slackemu

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Block Kit limits on interactive elements.
const (
	MaxButtonText   = 75
	MaxActionID     = 255
	MaxButtonValue  = 2000
	MaxButtonURL    = 3000
	MaxViewBlocks   = 100
	MaxViewTitle    = 24
	MaxOptions      = 100
	MaxOptionText   = 75
	MaxOptionValue  = 150
	MaxInputLabel   = 2000
	MaxCallbackID   = 255
	MaxPrivateMeta  = 3000
	MaxPlaceholder  = 150
	MaxInitialValue = 3000
)

type elementJSON struct {
	Type     string          `json:"type"`
	ActionID string          `json:"action_id"`
	Text     *textObject     `json:"text"`
	Value    *string         `json:"value"`
	URL      string          `json:"url"`
	Options  []optionJSON    `json:"options"`
	Initial  *optionJSON     `json:"initial_option"`
	Place    *textObject     `json:"placeholder"`
	MaxLen   int             `json:"max_length"`
	Raw      json.RawMessage `json:"-"`
}

type optionJSON struct {
	Text  textObject `json:"text"`
	Value string     `json:"value"`
}

func accessoryOf(block json.RawMessage) json.RawMessage {
	var b struct {
		Accessory json.RawMessage `json:"accessory"`
	}
	if json.Unmarshal(block, &b) != nil || len(b.Accessory) == 0 || string(b.Accessory) == "null" {
		return nil
	}
	return b.Accessory
}

// checkActionIDs refuses two elements of one block with the same action_id,
// as Slack does.
func checkActionIDs(elems []json.RawMessage, at func(string) string) []string {
	var errs []string
	seen := map[string]bool{}
	for j, raw := range elems {
		var e elementJSON
		if json.Unmarshal(raw, &e) != nil || e.ActionID == "" {
			continue
		}
		if seen[e.ActionID] {
			errs = append(errs, fmt.Sprintf("action_id %q is already used %s", e.ActionID, at(fmt.Sprintf("/elements/%d/action_id", j))))
		}
		seen[e.ActionID] = true
	}
	return errs
}

// checkElement checks one interactive element: buttons, selects, date
// pickers, text inputs, as Slack checks them.
func checkElement(raw json.RawMessage, at string) []string {
	var e elementJSON
	if err := json.Unmarshal(raw, &e); err != nil {
		return []string{"invalid element " + at}
	}
	var errs []string
	if utf8.RuneCountInString(e.ActionID) > MaxActionID {
		errs = append(errs, fmt.Sprintf("must be less than %d characters %s/action_id", MaxActionID+1, at))
	}
	switch e.Type {
	case "button":
		if e.Text == nil {
			errs = append(errs, "missing required field: text "+at)
		} else {
			errs = append(errs, checkText(*e.Text, MaxButtonText, true, at+"/text")...)
		}
		if e.Value != nil && utf8.RuneCountInString(*e.Value) > MaxButtonValue {
			errs = append(errs, fmt.Sprintf("must be less than %d characters %s/value", MaxButtonValue+1, at))
		}
		if utf8.RuneCountInString(e.URL) > MaxButtonURL {
			errs = append(errs, fmt.Sprintf("must be less than %d characters %s/url", MaxButtonURL+1, at))
		}
	case "static_select":
		if len(e.Options) == 0 || len(e.Options) > MaxOptions {
			errs = append(errs, fmt.Sprintf("must have between 1 and %d options %s/options", MaxOptions, at))
		}
		for k, o := range e.Options {
			errs = append(errs, checkText(o.Text, MaxOptionText, true, fmt.Sprintf("%s/options/%d/text", at, k))...)
			if n := utf8.RuneCountInString(o.Value); n == 0 || n > MaxOptionValue {
				errs = append(errs, fmt.Sprintf("must be between 1 and %d characters %s/options/%d/value", MaxOptionValue, at, k))
			}
		}
	case "datepicker", "plain_text_input", "overflow", "checkboxes", "radio_buttons", "users_select", "conversations_select", "multi_static_select", "timepicker", "image":
	default:
		errs = append(errs, "unsupported type "+at+"/type")
	}
	if e.Place != nil {
		errs = append(errs, checkText(*e.Place, MaxPlaceholder, true, at+"/placeholder")...)
	}
	return errs
}

// checkInput checks an input block (views only).
func checkInput(raw json.RawMessage, at func(string) string) []string {
	var b struct {
		Label   *textObject     `json:"label"`
		Element json.RawMessage `json:"element"`
	}
	if json.Unmarshal(raw, &b) != nil {
		return []string{"invalid input block " + at("")}
	}
	var errs []string
	if b.Label == nil {
		errs = append(errs, "missing required field: label "+at(""))
	} else {
		errs = append(errs, checkText(*b.Label, MaxInputLabel, true, at("/label"))...)
	}
	if len(b.Element) == 0 {
		errs = append(errs, "missing required field: element "+at(""))
	} else {
		errs = append(errs, checkElement(b.Element, at("/element"))...)
	}
	return errs
}
