package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/prodready/prodready/bot/slackemu"
)

// `prodready run quarterly-report` posts the quarter's digest with its
// chart of 8 quarters, once per quarter.
func TestRunQuarterlyReport(t *testing.T) {
	emu := slackemu.New(t)
	ch := emu.AddChannel("eng-managers")
	vars := map[string]string{
		"PRODREADY_DB": filepath.Join(t.TempDir(), "h.db"), "SLACK_BOT_TOKEN": emu.BotToken(), "SLACK_API_URL": strings.TrimSuffix(emu.URL(), "/"),
		"PRODREADY_REPORT_CHANNEL": ch,
	}
	for i, want := range []string{"1 sent", "already sent to " + ch} {
		code, _, errs := runJobCLI(t, vars, "quarterly-report")
		if code != exitOK {
			t.Fatalf("run %d: exit %d: %s", i, code, errs)
		}
		if !strings.Contains(errs, want) {
			t.Errorf("run %d: stderr %q lacks %q", i, errs, want)
		}
	}
	msgs := emu.Messages(ch)
	if len(msgs) != 1 || !strings.Contains(msgs[0].Text, "Production readiness, Q") {
		t.Fatalf("channel has %+v; want one quarterly digest", msgs)
	}
	files := emu.Files()
	if len(files) != 1 || !strings.Contains(files[0].Title, "over the last 8 quarters") || files[0].ThreadTS != msgs[0].TS {
		t.Fatalf("files %+v; want the chart of 8 quarters in the digest's thread", files)
	}
}
