// Package picture takes pictures of Block Kit messages, modals and Home
// tabs as Slack shows them, for the docs: it renders the message with blockhtml and captures
// it in headless Chromium (chromedp). Beside each picture NAME.png it
// keeps NAME.blocks.sha256, the SHA-256 of the JSON it shows, so a test
// can tell a picture older than its message (Check).
package picture

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"github.com/chromedp/chromedp"

	"github.com/prodready/prodready/bot/playground/blockhtml"
)

// ErrNoChromium is NewBrowser's error when no Chromium or Chrome is
// installed.
var ErrNoChromium = errors.New("no Chromium or Chrome on PATH (chromium, chromium-browser, google-chrome, headless-shell): on Debian, apt-get install chromium")

// FindChromium returns the path of an installed Chromium or Chrome.
func FindChromium() (string, error) {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Browser is a running headless Chromium.
type Browser struct {
	ctx    context.Context
	cancel func()
}

// NewBrowser starts headless Chromium; Close stops it. The error wraps
// ErrNoChromium when none is installed.
func NewBrowser(ctx context.Context) (*Browser, error) {
	path, err := FindChromium()
	if err != nil {
		return nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("hide-scrollbars", true),
		chromedp.Flag("font-render-hinting", "none"),
		chromedp.WindowSize(1280, 900),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to run as root (containers, CI).
		opts = append(opts, chromedp.NoSandbox)
	}
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelBrowser := chromedp.NewContext(alloc)
	if err := chromedp.Do(bctx); err != nil {
		cancelBrowser()
		cancelAlloc()
		return nil, fmt.Errorf("starting %s: %w", path, err)
	}
	return &Browser{ctx: bctx, cancel: func() { cancelBrowser(); cancelAlloc() }}, nil
}

// Close stops the browser.
func (b *Browser) Close() { b.cancel() }

// Tab opens a new tab; cancel closes it. ctx bounds what runs in it.
func (b *Browser) Tab(ctx context.Context) (context.Context, context.CancelFunc) {
	tab, cancelTab := chromedp.NewContext(b.ctx)
	stop := context.AfterFunc(ctx, cancelTab)
	return tab, func() { stop(); cancelTab() }
}

// Width is the width, in CSS pixels, of the channel a picture shows a
// message in; pictures are taken at twice that in device pixels.
const Width = 720

// Message renders a message's Block Kit (a blocks array, or an object
// with one) as prodready posts it and returns the PNG.
func (b *Browser) Message(ctx context.Context, blocks []byte) ([]byte, error) {
	if !json.Valid(blocks) {
		return nil, errors.New("picture: the Block Kit is not valid JSON")
	}
	r := blockhtml.New(blockhtml.Options{})
	return b.shoot(ctx, r.Message(blockhtml.Message{ID: "shot", Author: "prodready", App: true, Time: "9:00 AM", Blocks: blocks}), `[data-msg="shot"]`)
}

// View renders a view as the app sent it to views.open or views.publish:
// a modal as Slack shows it over the channel, or a Home tab.
func (b *Browser) View(ctx context.Context, view []byte) ([]byte, error) {
	var v struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(view, &v); err != nil {
		return nil, fmt.Errorf("picture: the view is not a JSON object: %w", err)
	}
	r := blockhtml.New(blockhtml.Options{})
	switch v.Type {
	case "modal":
		return b.shoot(ctx, r.Modal("shot", view, nil), `[data-view-id="shot"]`)
	case "home":
		return b.shoot(ctx, r.Home("shot", view), `[data-view-id="shot"]`)
	}
	return nil, fmt.Errorf("picture: a view of type %q: want modal or home", v.Type)
}

// shoot shows body alone in a page and captures the element sel.
func (b *Browser) shoot(ctx context.Context, body template.HTML, sel string) ([]byte, error) {
	doc := blockhtml.Document("prodready", body)
	tab, cancel := b.Tab(ctx)
	defer cancel()
	err := chromedp.Do(tab,
		chromedp.EmulateViewport(Width, 600, chromedp.EmulateScale(2)),
		chromedp.Navigate("data:text/html;base64,"+base64.StdEncoding.EncodeToString([]byte(doc))),
	)
	if err != nil {
		return nil, fmt.Errorf("picture: %w", err)
	}
	png, err := chromedp.Run(tab, chromedp.Screenshot(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		return nil, fmt.Errorf("picture: %w", err)
	}
	return png, nil
}

// Hash is the hash kept beside a picture of blocks.
func Hash(blocks []byte) string {
	h := sha256.Sum256(blocks)
	return hex.EncodeToString(h[:])
}

// Write renders a message's blocks to DIR/NAME.png and writes
// DIR/NAME.blocks.sha256.
func (b *Browser) Write(ctx context.Context, dir, name string, blocks []byte) error {
	png, err := b.Message(ctx, blocks)
	if err != nil {
		return fmt.Errorf("picture %s: %w", name, err)
	}
	return write(dir, name, blocks, png)
}

// WriteView renders a view (modal or Home tab) to DIR/NAME.png and writes
// DIR/NAME.blocks.sha256 of its JSON.
func (b *Browser) WriteView(ctx context.Context, dir, name string, view []byte) error {
	png, err := b.View(ctx, view)
	if err != nil {
		return fmt.Errorf("picture %s: %w", name, err)
	}
	return write(dir, name, view, png)
}

func write(dir, name string, js, png []byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("picture %s: %w", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		return fmt.Errorf("picture %s: %w", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".blocks.sha256"), []byte(Hash(js)+"\n"), 0o644); err != nil {
		return fmt.Errorf("picture %s: %w", name, err)
	}
	return nil
}

// Check compares the pictures in dir with the messages they show (name →
// current Block Kit JSON): an error names every picture missing or older
// than its message.
func Check(dir string, current map[string][]byte) error {
	names := make([]string, 0, len(current))
	for n := range current {
		names = append(names, n)
	}
	sort.Strings(names)
	var bad []string
	for _, n := range names {
		png := filepath.Join(dir, n+".png")
		if _, err := os.Stat(png); err != nil {
			bad = append(bad, png+" is missing")
			continue
		}
		sum, err := os.ReadFile(filepath.Join(dir, n+".blocks.sha256"))
		if err != nil {
			bad = append(bad, fmt.Sprintf("%s has no %s.blocks.sha256 beside it", png, n))
			continue
		}
		if strings.TrimSpace(string(sum)) != Hash(current[n]) {
			bad = append(bad, png+" shows an older version of its message")
		}
	}
	if len(bad) > 0 {
		return errors.New(strings.Join(bad, "; "))
	}
	return nil
}
