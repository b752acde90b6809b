package blockkit

import (
	"github.com/slack-go/slack"

	"github.com/prodready/prodready/report"
)

// ActSnooze is the action ID of the notices' Snooze button.
const ActSnooze = "snooze"

// Slack's limits on what the buttons carry.
const (
	MaxActionIDLen    = 255
	MaxButtonValueLen = 2000
	MaxButtonText     = 75
	MaxOptions        = 100
	MaxOptionText     = 75
	MaxOptionVal      = 150
)

// Button is a button within Slack's limits.
func Button(actionID, value, text string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(Cut(actionID, MaxActionIDLen), value, Plain(Cut(text, MaxButtonText)))
}

// noticeActionBlocks is how many blocks noticeActions adds.
func noticeActionBlocks(n *report.Notice) int {
	if n.Team == "" || len(n.Team) > MaxButtonValueLen {
		return 0
	}
	return 1
}

// noticeActions adds the team notice's Snooze button.
func noticeActions(l *dgLayout, n *report.Notice) {
	if noticeActionBlocks(n) == 0 {
		return
	}
	l.add("buttons", slack.NewActionBlock("notice_actions", Button(ActSnooze, n.Team, "Snooze 7 days")))
}

// UserID reports whether s looks like a Slack user ID (U…, W…).
func UserID(s string) bool {
	if len(s) < 3 || (s[0] != 'U' && s[0] != 'W') {
		return false
	}
	for _, c := range s[1:] {
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
