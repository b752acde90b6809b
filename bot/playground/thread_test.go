package playground

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/slack-go/slack"
)

// TestThreadFilesAndEphemeral: a chart uploaded in a digest's thread shows
// as an image under it; another file is only a download; chat.postEphemeral
// shows only to its user, marked.
func TestThreadFilesAndEphemeral(t *testing.T) {
	w := newWorkspace(t)
	ctx := context.Background()
	api := slack.New(w.emu.BotToken(), slack.OptionAPIURL(w.emu.URL()))
	_, ts, err := api.PostMessageContext(ctx, w.reports, slack.MsgOptionText("The digest", false))
	if err != nil {
		t.Fatal(err)
	}
	var chart bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: 255, A: 255})
	if err := png.Encode(&chart, img); err != nil {
		t.Fatal(err)
	}
	for _, f := range []slack.UploadFileParameters{
		{Reader: bytes.NewReader(chart.Bytes()), FileSize: chart.Len(), Filename: "chart.png", Title: "Readiness over time", Channel: w.reports, ThreadTimestamp: ts},
		{Reader: strings.NewReader("<html><script>alert(1)</script>"), FileSize: 31, Filename: "page.html", Title: "<script>", Channel: w.reports, ThreadTimestamp: ts},
	} {
		if _, err := api.UploadFileContext(ctx, f); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := api.PostEphemeralContext(ctx, w.reports, w.bob.ID, slack.MsgOptionText("Just for bob", false)); err != nil {
		t.Fatal(err)
	}

	s := w.state(t, w.alice, w.reports)
	must(t, s.Main, `<div class="thread"><div class="thread-count">2 replies</div>`, `<div class="msg-file-title">Readiness over time</div><img class="msg-file-img" src="/files/`,
		`download>📄 &lt;script&gt;</a>`)
	mustNot(t, s.Main, "Just for bob", "<script>")
	must(t, w.state(t, w.bob, w.reports).Main, "Just for bob", "Only visible to you")

	files := regexp.MustCompile(`(?:src|href)="(/files/[^"]+)"`).FindAllStringSubmatch(s.Main, -1)
	if len(files) != 2 {
		t.Fatalf("files %v", files)
	}
	cases := []struct {
		path, ctype, disposition string
		body                     []byte
	}{
		{files[0][1], "image/png", "", chart.Bytes()},
		{files[1][1], "application/octet-stream", "attachment", []byte("<html><script>alert(1)</script>")},
		{"/files/F9999999", "text/plain; charset=utf-8", "", nil},
	}
	for _, c := range cases {
		resp, err := http.Get(w.url + c.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.Header.Get("Content-Type") != c.ctype || resp.Header.Get("Content-Disposition") != c.disposition || (c.body != nil && !bytes.Equal(body, c.body)) {
			t.Errorf("GET %s: %s %q %q, %d bytes", c.path, resp.Status, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"), len(body))
		}
	}
}
