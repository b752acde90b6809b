package picture

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite docs/pictures from docs/blockkit")

// browser starts Chromium, or skips the test where there is none, except
// under CI, where a missing Chromium is a failure.
func browser(t *testing.T) *Browser {
	t.Helper()
	b, err := NewBrowser(context.Background())
	if errors.Is(err, ErrNoChromium) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI=true and %v", err)
		}
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	return b
}

const (
	docsBlockKit = "../../../docs/blockkit"
	docsPictures = "../../../docs/pictures"
)

// docsMessages are the Block Kit examples in the docs, by name.
func docsMessages(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(docsBlockKit, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Block Kit in %s: %v", docsBlockKit, err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = b
	}
	return out
}

// TestDocsPictures fails when a picture in docs/pictures is older than the
// Block Kit in docs/blockkit it shows; -update takes them again.
func TestDocsPictures(t *testing.T) {
	msgs := docsMessages(t)
	if *update {
		b := browser(t)
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		for name, blocks := range msgs {
			if err := b.Write(ctx, docsPictures, name, blocks); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := Check(docsPictures, msgs); err != nil {
		t.Errorf("%v: take them again with go test ./bot/playground/picture -run TestDocsPictures -update", err)
	}
}

func TestCheck(t *testing.T) {
	dir := t.TempDir()
	blocks := []byte(`{"blocks":[{"type":"divider"}]}`)
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name  string
		setup func()
		want  string // in the error; "" for none
	}{
		{"missing picture", func() {}, "a.png is missing"},
		{"missing hash", func() { write("a.png", "png") }, "has no a.blocks.sha256"},
		{"older", func() { write("a.blocks.sha256", Hash([]byte(`{"blocks":[]}`))+"\n") }, "older version"},
		{"current", func() { write("a.blocks.sha256", Hash(blocks)+"\n") }, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.setup()
			err := Check(dir, map[string][]byte{"a": blocks})
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Check: %v", err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Check: %v, want an error saying %q", err, c.want)
			}
		})
	}
}

// TestMessage takes a picture in Chromium: a PNG as wide as the channel
// (at twice the pixels), as tall as the message.
func TestMessage(t *testing.T) {
	b := browser(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	short, err := b.Message(ctx, []byte(`[{"type":"section","text":{"type":"mrkdwn","text":"*hello*"}}]`))
	if err != nil {
		t.Fatal(err)
	}
	long, err := b.Message(ctx, docsMessages(t)["digest"])
	if err != nil {
		t.Fatal(err)
	}
	si, err := png.DecodeConfig(bytes.NewReader(short))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	li, err := png.DecodeConfig(bytes.NewReader(long))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if si.Width != 2*Width || li.Width != 2*Width {
		t.Errorf("widths %d and %d, want %d", si.Width, li.Width, 2*Width)
	}
	if !(si.Height > 40 && li.Height > 3*si.Height) {
		t.Errorf("heights %d (one line) and %d (the digest): the picture is not the message's", si.Height, li.Height)
	}
	if _, err := b.Message(ctx, []byte(`[{`)); err == nil {
		t.Error("invalid JSON made a picture")
	}
	dir := t.TempDir()
	views := map[string]string{
		"modal": `{"type":"modal","title":{"type":"plain_text","text":"Request exemption"},"submit":{"type":"plain_text","text":"Send"},"blocks":[{"type":"input","block_id":"r","label":{"type":"plain_text","text":"Reason"},"element":{"type":"plain_text_input","action_id":"r","multiline":true}}]}`,
		"home":  `{"type":"home","blocks":[{"type":"header","text":{"type":"plain_text","text":"Your services"}},{"type":"section","text":{"type":"mrkdwn","text":"*payments-api* :white_check_mark:"}}]}`,
	}
	for name, v := range views {
		if err := b.WriteView(ctx, dir, name, []byte(v)); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, name+".png"))
		if err != nil {
			t.Fatal(err)
		}
		if c, err := png.DecodeConfig(bytes.NewReader(got)); err != nil || c.Width < 400 || c.Height < 100 {
			t.Errorf("%s: %+v %v", name, c, err)
		}
	}
	if err := Check(dir, map[string][]byte{"modal": []byte(views["modal"]), "home": []byte(views["home"])}); err != nil {
		t.Error(err)
	}
	if _, err := b.View(ctx, []byte(`{"type":"workflow_step"}`)); err == nil {
		t.Error("a view of an unknown type made a picture")
	}
}
