package main

import (
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prodready/prodready/bot/playground/picture"
)

// playBrowser starts Chromium, or skips the test where there is none,
// except under CI, where a missing Chromium is a failure.
func playBrowser(t *testing.T) *picture.Browser {
	t.Helper()
	b, err := picture.NewBrowser(context.Background())
	if errors.Is(err, picture.ErrNoChromium) {
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

// seenIn waits until an element matching css shows text, as the page
// changes (a DOM mutation), not by sleeping.
func seenIn(css, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`Array.from(document.querySelectorAll(`+strconv.Quote(css)+`)).some(e => e.textContent.includes(`+strconv.Quote(text)+`))`,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(30*time.Second))
}

// TestPlaygroundInBrowser uses the playground with the real bot as a
// person would: types a command, sees the answer with its buttons, shows
// all rules, requests an exemption through the modal, approves it as the
// approver, runs the weekly digest, moves the clock a week on, runs the
// digest again and sees it report what moved.
func TestPlaygroundInBrowser(t *testing.T) {
	b := playBrowser(t)
	w, _ := newTestPlayWorld(t, nil, playOptions{start: playPictureTime, quiet: true})
	h, err := w.page().Handler(true)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tab, closeTab := b.Tab(ctx)
	defer closeTab()
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(tab, actions...); err != nil {
			html, _ := chromedp.Run(tab, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%s: %v\nthe page:\n%s", name, err, html)
		}
	}
	until := playPictureTime.AddDate(0, 0, 10).Format(time.DateOnly)
	step("open the report channel as the engineer",
		chromedp.Navigate(srv.URL+"/?as="+w.engineer.ID+"&c="+w.reports),
		chromedp.WaitVisible(chromedp.ID("message")),
		seenIn(".conv-title", "# "+playReports),
		seenIn(".sidebar", "team-payments"),
		seenIn(".sidebar", playExemptions))
	step("type a command and see the answer with its buttons",
		chromedp.SendKeys(chromedp.ID("message"), "/prodready payments-api\n"),
		seenIn(".msg", "Payments API (payments-api)"),
		seenIn(".msg-only-you", "Only visible to you"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-action-id="all_rules"]`)),
		chromedp.WaitVisible(chromedp.CSS(`button[data-action-id="share"]`)))
	step("click Show all rules",
		chromedp.Click(chromedp.CSS(`button[data-action-id="all_rules"]`)),
		seenIn(".msg", "All rules of Payments API"))
	step("request an exemption through the modal",
		chromedp.Click(chromedp.CSS(`button[data-action-id^="exempt_request"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.modal`)),
		seenIn(".modal-title", "Request exemption"),
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.querySelector('form.modal select[data-action-id="rule"]'); s.selectedIndex = Array.from(s.options).findIndex(o => o.value); })()`),
		chromedp.SendKeys(chromedp.CSS(`form.modal [data-action-id="reason"]`), "the on-call rota starts next month"),
		chromedp.SetValue(chromedp.CSS(`form.modal input[data-action-id="until"]`), until),
		chromedp.Click(chromedp.CSS(`button[data-submit]`)),
		gonePlay(`form.modal`))
	step("see the request in the exemption channel as the approver, and approve it",
		chromedp.Navigate(srv.URL+"/?as="+w.approver.ID+"&c="+w.exempt),
		seenIn(".msg", "the on-call rota starts next month"),
		chromedp.Click(chromedp.CSS(`button[data-action-id="exempt_approve"]`)),
		seenIn(".msg", "pproved"))
	step("run the weekly digest",
		chromedp.Navigate(srv.URL+"/?as="+w.approver.ID+"&c="+w.reports),
		chromedp.WaitVisible(chromedp.ID("message")),
		chromedp.Click(chromedp.CSS(`[data-control="digest"]`)),
		seenIn(".msg", "Production readiness, week of 23 Nov 2026"))
	// A control's button stays disabled until its run is over (the chart
	// is uploaded after the digest shows).
	step("advance one week",
		chromedp.WaitEnabled(chromedp.CSS(`[data-control="advance"]`)),
		chromedp.Click(chromedp.CSS(`[data-control="advance"]`)),
		seenIn("body", "The clock moved a week on: it is now Mon 30 Nov 2026"))
	step("run the digest again and see it report the change",
		chromedp.WaitEnabled(chromedp.CSS(`[data-control="digest"]`)),
		chromedp.Click(chromedp.CSS(`[data-control="digest"]`)),
		seenIn(".msg", "Production readiness, week of 30 Nov 2026"),
		seenIn(".msg", "What moved"),
		seenIn(".msg", "since last week"))
}

// gonePlay waits until no element matches css.
func gonePlay(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`document.querySelector(`+strconv.Quote(css)+`) === null`,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(30*time.Second))
}
