package slackapp

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// QueryKind is what a /prodready command asks for.
type QueryKind int

const (
	QueryHelp    QueryKind = iota // "", "help", or something unusable
	QueryService                  // <service>
	QueryTeam                     // team <team>
)

// Query is a parsed /prodready command.
type Query struct {
	Kind QueryKind
	Arg  string // the service or team name, cleaned of Slack markup
	// Typed is the name as typed, mentions and links resolved but emphasis
	// (*x*, `x`) kept: a service whose name has such characters is found by
	// it, and Catalog.Find drops the emphasis only when nothing has the name.
	Typed string
	// Problem says why a command became help ("team needs a name"); empty
	// for a plain request for help.
	Problem string
}

// maxCommandText bounds what the parser reads; Slack's own limit on slash
// command text is about 4,000 characters, so a name of any length Slack
// sends is kept whole.
const maxCommandText = 4096

var (
	// <@U123>, <@U123|bob>, <!here>, <!subteam^S1|@team>: mentions carry no name.
	mention = regexp.MustCompile(`<[@!][^>]*>`)
	// <#C123|general>, <https://x|label>, <mailto:a@b|a@b>: keep the label.
	labelled = regexp.MustCompile(`<[^<>|]*\|([^<>]*)>`)
	// <https://x>: keep the link.
	bare  = regexp.MustCompile(`<([^<>|]*)>`)
	emoji = regexp.MustCompile(`:[a-z0-9_+'-]+:`)
)

// ParseQuery reads the text after /prodready: "<service>", "team <team>",
// "help" or nothing. It ignores surrounding spaces, case of the keywords,
// Slack markup (mentions, links, *bold*, _italic_, ~strike~, `code`) and
// emoji, and never fails: anything unusable is a request for help.
func ParseQuery(text string) Query {
	text = clean(text)
	words := strings.Fields(unwrap(text))
	if len(words) == 0 {
		return Query{Kind: QueryHelp}
	}
	switch strings.ToLower(words[0]) {
	case "help", "-h", "--help", "?", "usage":
		return Query{Kind: QueryHelp}
	case "team", "--team":
		if n := name(words[1:]); n != "" {
			return Query{Kind: QueryTeam, Arg: n}
		}
		return Query{Kind: QueryHelp, Problem: "`team` needs a team's name, as in `/prodready team payments`."}
	}
	if n := name(words); n != "" {
		return Query{Kind: QueryService, Arg: n, Typed: strings.Join(strings.Fields(text), " ")}
	}
	return Query{Kind: QueryHelp}
}

func name(words []string) string {
	for i, w := range words {
		words[i] = unwrap(w)
	}
	return strings.TrimSpace(strings.Join(words, " "))
}

// clean bounds the text, drops invisible characters and Slack markup.
func clean(text string) string {
	if len(text) > maxCommandText {
		cut := maxCommandText
		for cut > 0 && !utf8.RuneStart(text[cut]) {
			cut--
		}
		text = text[:cut]
	}
	text = strings.ToValidUTF8(text, "")
	text = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r):
			return ' '
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), r == utf8.RuneError:
			return -1
		}
		return r
	}, text)
	text = strings.ReplaceAll(text, "```", " ")
	text = mention.ReplaceAllString(text, " ")
	text = labelled.ReplaceAllString(text, "$1")
	text = bare.ReplaceAllString(text, "$1")
	text = emoji.ReplaceAllString(text, " ")
	// Slack sends & < > escaped in command text.
	text = strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">").Replace(text)
	return strings.TrimSpace(text)
}

// unwrap strips matching markup around a word or phrase: *x*, _x_, ~x~, `x`.
func unwrap(s string) string {
	for len(s) >= 2 {
		first, last := s[0], s[len(s)-1]
		if first != last || !strings.ContainsRune("*_~`", rune(first)) {
			break
		}
		s = strings.TrimSpace(s[1 : len(s)-1])
	}
	return s
}
