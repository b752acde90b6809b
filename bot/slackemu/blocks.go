package slackemu

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// Block Kit limits Slack enforces on messages.
const (
	MaxBlocks         = 50
	MaxSectionText    = 3000
	MaxSectionFields  = 10
	MaxFieldText      = 2000
	MaxHeaderText     = 150
	MaxContextItems   = 10
	MaxActionElements = 25
	MaxBlockID        = 255
	MaxMarkdownText   = 12000
	MaxMessageText    = maxTextLen
)

// ValidateBlocks checks a message's blocks (a JSON array) against Slack's
// Block Kit limits and returns nil when Slack would accept them, else an
// error listing Slack's complaints with their JSON pointers. Tests use it to
// check what a bot answers over HTTP, which no Slack method sees.
func ValidateBlocks(blocks json.RawMessage) error {
	errs, format := validateBlocks(blocks)
	if format {
		return fmt.Errorf("invalid_blocks_format: blocks must be a JSON array of objects")
	}
	if len(errs) > 0 {
		return fmt.Errorf("invalid_blocks: %v", errs)
	}
	return nil
}

func blockCount(raw json.RawMessage) int {
	var list []json.RawMessage
	_ = json.Unmarshal(raw, &list)
	return len(list)
}

type textObject struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type blockJSON struct {
	Type     string            `json:"type"`
	BlockID  string            `json:"block_id"`
	Text     *textObject       `json:"text"`
	Fields   []textObject      `json:"fields"`
	Elements []json.RawMessage `json:"elements"`
}

var blockTypes = map[string]bool{
	"section": true, "header": true, "divider": true, "context": true, "actions": true,
	"image": true, "input": true, "rich_text": true, "file": true, "video": true,
	"markdown": true, "table": true,
}

// validateBlocks returns Slack's error strings; format is true when the
// value is not an array of objects at all.
func validateBlocks(raw json.RawMessage) (errs []string, format bool) {
	return validateBlocksMax(raw, MaxBlocks)
}

// validateBlocksMax is validateBlocks with another block limit: views take
// 100 blocks, messages 50.
func validateBlocksMax(raw json.RawMessage, maxBlocks int) (errs []string, format bool) {
	var list []json.RawMessage
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, true
	}
	if len(list) > maxBlocks {
		errs = append(errs, fmt.Sprintf("no more than %d items allowed [json-pointer:/blocks]", maxBlocks))
	}
	for i, item := range list {
		var b blockJSON
		if err := json.Unmarshal(item, &b); err != nil {
			return nil, true
		}
		at := func(p string) string { return fmt.Sprintf("[json-pointer:/blocks/%d%s]", i, p) }
		if !blockTypes[b.Type] {
			errs = append(errs, "unsupported type "+at("/type"))
			continue
		}
		if utf8.RuneCountInString(b.BlockID) > MaxBlockID {
			errs = append(errs, fmt.Sprintf("must be less than %d characters %s", MaxBlockID+1, at("/block_id")))
		}
		switch b.Type {
		case "section":
			if b.Text == nil && len(b.Fields) == 0 {
				errs = append(errs, "must provide either text or fields "+at(""))
			}
			if b.Text != nil {
				errs = append(errs, checkText(*b.Text, MaxSectionText, false, at("/text"))...)
			}
			if len(b.Fields) > MaxSectionFields {
				errs = append(errs, fmt.Sprintf("no more than %d items allowed %s", MaxSectionFields, at("/fields")))
			}
			for j, f := range b.Fields {
				errs = append(errs, checkText(f, MaxFieldText, false, at(fmt.Sprintf("/fields/%d", j)))...)
			}
			if acc := accessoryOf(item); acc != nil {
				errs = append(errs, checkElement(acc, at("/accessory"))...)
			}
		case "header":
			if b.Text == nil {
				errs = append(errs, "missing required field: text "+at(""))
				break
			}
			errs = append(errs, checkText(*b.Text, MaxHeaderText, true, at("/text"))...)
		case "context":
			if len(b.Elements) == 0 {
				errs = append(errs, "missing required field: elements "+at(""))
			}
			if len(b.Elements) > MaxContextItems {
				errs = append(errs, fmt.Sprintf("no more than %d items allowed %s", MaxContextItems, at("/elements")))
			}
			for j, e := range b.Elements {
				var t textObject
				if json.Unmarshal(e, &t) == nil && (t.Type == "mrkdwn" || t.Type == "plain_text") {
					errs = append(errs, checkText(t, MaxSectionText, false, at(fmt.Sprintf("/elements/%d", j)))...)
				}
			}
		case "actions":
			if len(b.Elements) > MaxActionElements {
				errs = append(errs, fmt.Sprintf("no more than %d items allowed %s", MaxActionElements, at("/elements")))
			}
			errs = append(errs, checkActionIDs(b.Elements, at)...)
			for j, e := range b.Elements {
				errs = append(errs, checkElement(e, at(fmt.Sprintf("/elements/%d", j)))...)
			}
		case "input":
			errs = append(errs, checkInput(item, at)...)
		case "markdown":
			var m struct {
				Text string `json:"text"`
			}
			_ = json.Unmarshal(item, &m)
			if n := utf8.RuneCountInString(m.Text); n == 0 || n > MaxMarkdownText {
				errs = append(errs, fmt.Sprintf("must be between 1 and %d characters %s", MaxMarkdownText, at("/text")))
			}
		}
	}
	return errs, false
}

func checkText(t textObject, max int, plainOnly bool, at string) []string {
	var errs []string
	switch {
	case plainOnly && t.Type != "plain_text":
		errs = append(errs, "must be a plain_text object "+at+"/type")
	case t.Type != "plain_text" && t.Type != "mrkdwn":
		errs = append(errs, "must be plain_text or mrkdwn "+at+"/type")
	}
	n := utf8.RuneCountInString(t.Text)
	if n == 0 {
		errs = append(errs, "must be more than 0 characters "+at+"/text")
	}
	if n > max {
		errs = append(errs, fmt.Sprintf("must be less than %d characters %s/text", max+1, at))
	}
	return errs
}
