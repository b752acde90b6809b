package slackemu_test

import (
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/prodready/prodready/bot/slackemu"
)

func TestUploadFileInThread(t *testing.T) {
	emu := slackemu.New(t)
	ch := emu.AddChannel("reports")
	api := client(emu, emu.BotToken())
	_, parent, err := api.PostMessage(ch, slack.MsgOptionText("digest", false))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		threadTS string
		wantErr  string
	}{
		{"in the digest's thread", parent, ""},
		{"a thread that does not exist", "1.000001", "invalid_thread_ts"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(emu.Replies(ch, tt.threadTS))
			_, err := api.UploadFile(slack.UploadFileParameters{Filename: "chart.png", FileSize: 3, Content: "png",
				Channel: ch, ThreadTimestamp: tt.threadTS, InitialComment: "the chart"})
			if got := slackErr(err); !strings.Contains(got, tt.wantErr) || (tt.wantErr == "" && err != nil) {
				t.Fatalf("upload: %v, want %q", err, tt.wantErr)
			}
			if tt.wantErr != "" {
				return
			}
			replies := emu.Replies(ch, tt.threadTS)
			if len(replies) != before+1 || replies[len(replies)-1].Text != "the chart" {
				t.Errorf("replies %+v, want the file with its comment", replies)
			}
			if msgs := emu.Messages(ch); len(msgs) != 1 || msgs[0].TS != parent {
				t.Errorf("the channel shows %+v, want the parent alone", msgs)
			}
			files := emu.Files()
			if f := files[len(files)-1]; f.ThreadTS != parent || f.Comment != "the chart" {
				t.Errorf("file thread %q comment %q", f.ThreadTS, f.Comment)
			}
		})
	}
}
