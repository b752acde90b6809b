package playground

import (
	"context"
	"errors"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prodready/prodready/bot/playground/picture"
)

// browser starts Chromium, or skips the test where there is none, except
// under CI, where a missing Chromium is a failure.
func browser(t *testing.T) *picture.Browser {
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

// seen waits until an element matching css shows text, as the page
// changes (a DOM mutation), not by sleeping.
func seen(css, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`Array.from(document.querySelectorAll(`+strconv.Quote(css)+`)).some(e => e.textContent.includes(`+strconv.Quote(text)+`))`,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(20*time.Second))
}

// gone waits until no element matches css.
func gone(css string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](`document.querySelector(`+strconv.Quote(css)+`) === null`,
		chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(20*time.Second))
}

// TestBrowser uses the page in Chromium as a person would: types a
// command, sees the answer with its buttons, clicks one, picks from an
// overflow menu, opens the modal, submits it empty and then filled in,
// approves the request as another user, and runs the digest.
func TestBrowser(t *testing.T) {
	b := browser(t)
	w := newWorkspace(t)
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
	step("open the report channel as alice",
		chromedp.Navigate(w.url+"/?as="+w.alice.ID+"&c="+w.reports),
		chromedp.WaitVisible(chromedp.ID("message")),
		seen(".conv-title", "# prodready-reports"),
		seen(".sidebar", "prodready-exemptions"))
	step("type a command",
		chromedp.SendKeys(chromedp.ID("message"), "/prodready payments-api\n"),
		seen(".msg", "Answer for payments-api"),
		seen(".msg-only-you", "Only visible to you"),
		chromedp.WaitVisible(chromedp.CSS(`button[data-action-id="all_rules"]`)))
	step("click Show all rules",
		chromedp.Click(chromedp.CSS(`button[data-action-id="all_rules"]`)),
		seen(".msg", "All rules of payments-api"))
	step("pick from the overflow menu",
		chromedp.Click(chromedp.CSS(`.el-overflow-btn`)),
		chromedp.WaitVisible(chromedp.CSS(`.el-menu-item`)),
		chromedp.Click(chromedp.CSS(`.el-menu-item`)),
		seen(".msg", "Snoozed: snooze-7"))
	step("tick a checkbox",
		chromedp.Click(chromedp.CSS(`.el-choices[data-action-id="checks"] input[value="b"]`)),
		seen(".msg", "Checked: b=Beta"))
	step("open the modal and submit it empty",
		chromedp.Click(chromedp.CSS(`button[data-action-id="exempt_request"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form.modal`)),
		seen(".modal-title", "Request exemption"),
		chromedp.Click(chromedp.CSS(`button[data-submit]`)),
		seen(".b-input-error", "Say why"))
	step("fill the modal in and submit it",
		chromedp.SendKeys(chromedp.CSS(`form.modal [data-action-id="reason"]`), "a migration"),
		chromedp.SetValue(chromedp.CSS(`form.modal input[data-action-id="until"]`), "2026-12-31"),
		chromedp.Click(chromedp.CSS(`button[data-submit]`)),
		gone(`form.modal`))
	step("see the request in the exemption channel as bob, and approve it",
		chromedp.Navigate(w.url+"/?as="+w.bob.ID+"&c="+w.exemptions),
		seen(".msg", "asks to exempt payments-api until 2026-12-31: a migration"),
		chromedp.Click(chromedp.CSS(`button[data-action-id="approve"]`)),
		seen(".msg", "Approved by @bob"))
	step("run the weekly digest and see it arrive in the report channel",
		chromedp.Navigate(w.url+"/?as="+w.bob.ID+"&c="+w.reports),
		chromedp.WaitVisible(chromedp.ID("message")),
		chromedp.Click(chromedp.CSS(`[data-control="digest"]`)),
		seen(".msg", "Weekly digest for 26 Nov 2026"))
	step("the Home tab",
		chromedp.Navigate(w.url+"/?as="+w.alice.ID+"&c=home"),
		seen(".home", "Home of @alice"),
		chromedp.Click(chromedp.CSS(`button[data-action-id="home_button"]`)),
		chromedp.Navigate(w.url+"/?as="+w.alice.ID+"&c=dm"),
		seen(".msg", "You clicked the Home tab's button"))
}
