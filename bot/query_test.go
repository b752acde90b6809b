package bot

import (
	"strings"
	"testing"
	"unicode/utf8"
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
	if q.Kind != QueryService || utf8.RuneCountInString(q.Arg) > maxName {
		t.Fatalf("huge text: kind %d, %d characters", q.Kind, len(q.Arg))
	}
	q = ParseQuery(strings.Repeat("é", 5000))
	if !utf8.ValidString(q.Arg) || utf8.RuneCountInString(q.Arg) > maxName {
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
		if utf8.RuneCountInString(q.Arg) > maxName {
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
