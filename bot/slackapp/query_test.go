package slackapp

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prodready/prodready/bot/slackemu"
)

func TestParseQuery(t *testing.T) {
	cases := []struct {
		in   string
		kind QueryKind
		arg  string
	}{
		{"", QueryHelp, ""},
		{"   \t\n ", QueryHelp, ""},
		{"help", QueryHelp, ""},
		{" HELP ", QueryHelp, ""},
		{"--help", QueryHelp, ""},
		{"payments-api", QueryService, "payments-api"},
		{"  payments-api  ", QueryService, "payments-api"},
		{"Payments API", QueryService, "Payments API"},
		{"Payments\u00a0API", QueryService, "Payments API"},
		{"payments_api", QueryService, "payments_api"},
		{"*payments-api*", QueryService, "payments-api"},
		{"_payments-api_", QueryService, "payments-api"},
		{"`payments-api`", QueryService, "payments-api"},
		{"```payments-api```", QueryService, "payments-api"},
		{"~payments-api~", QueryService, "payments-api"},
		{"*Payments API*", QueryService, "Payments API"},
		{"<@U123ABC> payments-api", QueryService, "payments-api"},
		{"payments-api <@U123|bob>", QueryService, "payments-api"},
		{"<!here> payments-api", QueryService, "payments-api"},
		{":rocket: payments-api :fire:", QueryService, "payments-api"},
		{"<https://port.io/x|payments-api>", QueryService, "payments-api"},
		{"pay\u200bments-api", QueryService, "payments-api"},
		{"team payments", QueryTeam, "payments"},
		{"Team   *payments*", QueryTeam, "payments"},
		{"team Big Team", QueryTeam, "Big Team"},
		{"team <#C123|payments>", QueryTeam, "payments"},
		{"team", QueryHelp, ""},
		{"team :tada:", QueryHelp, ""},
		{"<@U1>", QueryHelp, ""},
		{"a &amp; b", QueryService, "a & b"},
	}
	for _, c := range cases {
		q := ParseQuery(c.in)
		if q.Kind != c.kind || q.Arg != c.arg {
			t.Errorf("ParseQuery(%q) = %+v, want kind %d arg %q", c.in, q, c.kind, c.arg)
		}
	}
	if q := ParseQuery("team"); q.Problem == "" {
		t.Error("`team` alone does not say what is missing")
	}
}

func TestParseQueryHugeText(t *testing.T) {
	huge := strings.Repeat("payments-api ", 100000)
	q := ParseQuery(huge)
	if q.Kind != QueryService || len(q.Arg) > 4096 {
		t.Fatalf("huge text: kind %d, %d characters", q.Kind, len(q.Arg))
	}
	q = ParseQuery(strings.Repeat("é", 5000))
	if !utf8.ValidString(q.Arg) || len(q.Arg) > 4096 {
		t.Fatalf("huge multibyte text cut badly: %d characters, valid %v", utf8.RuneCountInString(q.Arg), utf8.ValidString(q.Arg))
	}
}

func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "help", "team payments", "*payments-api*", "<@U1|x> a", "<<>>|<", ":a:b:", "\xff\xfe", "team \u200b", "```", strings.Repeat("<", 5000)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q := ParseQuery(s)
		if !utf8.ValidString(q.Arg) {
			t.Fatalf("invalid UTF-8 argument %q", q.Arg)
		}
		if q.Arg != strings.TrimSpace(q.Arg) {
			t.Fatalf("argument %q has surrounding spaces", q.Arg)
		}
		if len(q.Arg) > 4096 {
			t.Fatalf("argument of %d characters", utf8.RuneCountInString(q.Arg))
		}
		switch q.Kind {
		case QueryHelp:
			if q.Arg != "" {
				t.Fatalf("help with argument %q", q.Arg)
			}
		case QueryService, QueryTeam:
			if q.Arg == "" {
				t.Fatalf("kind %d with no argument from %q", q.Kind, s)
			}
		default:
			t.Fatalf("unknown kind %d", q.Kind)
		}
	})
}

// FuzzSignedCommand sends anything, correctly signed, through the HTTP
// handler: it must answer with a status, and any answer must be one Slack
// accepts.
func FuzzSignedCommand(f *testing.F) {
	for _, s := range []string{"text=payments-api", "text=team+payments", "text=%zz", "", "text=" + strings.Repeat("%3C", 2000), "text=paymnt&text=x", "response_url=&text=help"} {
		f.Add(s)
	}
	h := NewHolder(staticSource{}, nil, nil)
	h.Set(demoBundle(f), testNow)
	b, err := New(Config{Holder: h, SigningSecret: "fuzz"})
	if err != nil {
		f.Fatal(err)
	}
	handler := b.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		ts := strconv.FormatInt(time.Now().Unix(), 10)
		req := httptest.NewRequest(http.MethodPost, CommandPath, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Slack-Request-Timestamp", ts)
		req.Header.Set("X-Slack-Signature", slackemu.Sign("fuzz", ts, []byte(body)))
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK:
			var m struct {
				ResponseType string          `json:"response_type"`
				Text         string          `json:"text"`
				Blocks       json.RawMessage `json:"blocks"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil || m.ResponseType != "ephemeral" || m.Text == "" {
				t.Fatalf("answer %s (%v)", rec.Body, err)
			}
			if err := slackemu.ValidateBlocks(m.Blocks); err != nil {
				t.Fatal(err)
			}
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d for %q", rec.Code, body)
		}
	})
}
