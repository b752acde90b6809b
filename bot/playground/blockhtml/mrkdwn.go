package blockhtml

import (
	"html"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Mrkdwn renders Slack's mrkdwn to HTML. The input is Slack-escaped text:
// "&lt;", "&gt;" and "&amp;" stand for the characters, and <…> are
// control sequences (links, mentions, dates). Everything that reaches the
// output is HTML-escaped; only http, https and mailto links become links.
func (r *Renderer) Mrkdwn(s string) string {
	var b strings.Builder
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); {
		line := lines[i]
		switch {
		case strings.HasPrefix(line, "```"):
			// A code block runs to the next ``` (possibly on the same line).
			body := strings.TrimPrefix(line, "```")
			var parts []string
			j := i
			for {
				if k := strings.Index(body, "```"); k >= 0 {
					parts = append(parts, body[:k])
					lines[j] = body[k+3:]
					break
				}
				parts = append(parts, body)
				j++
				if j >= len(lines) {
					break
				}
				body = lines[j]
			}
			b.WriteString(`<pre class="mk-pre">`)
			b.WriteString(html.EscapeString(unescapeSlack(strings.Trim(strings.Join(parts, "\n"), "\n"))))
			b.WriteString(`</pre>`)
			if j < len(lines) && strings.TrimSpace(lines[j]) != "" {
				i = j // the rest of the closing line is ordinary text
			} else {
				i = j + 1
			}
		case isQuote(line):
			b.WriteString(`<blockquote class="mk-quote">`)
			for first := true; i < len(lines) && isQuote(lines[i]); i++ {
				if !first {
					b.WriteString("<br>")
				}
				first = false
				b.WriteString(r.inline(quoteBody(lines[i])))
			}
			b.WriteString(`</blockquote>`)
		case listItem(line) != "":
			tag := listItem(line)
			b.WriteString("<" + tag + ` class="mk-list">`)
			for ; i < len(lines) && listItem(lines[i]) == tag; i++ {
				b.WriteString("<li>")
				b.WriteString(r.inline(listBody(lines[i])))
				b.WriteString("</li>")
			}
			b.WriteString("</" + tag + ">")
		default:
			b.WriteString(r.inline(line))
			if i < len(lines)-1 && !blockStart(lines[i+1]) {
				b.WriteString("<br>")
			}
			i++
		}
	}
	return b.String()
}

func blockStart(line string) bool {
	return strings.HasPrefix(line, "```") || isQuote(line) || listItem(line) != ""
}

func isQuote(line string) bool {
	return strings.HasPrefix(line, "&gt;") || strings.HasPrefix(line, ">")
}

func quoteBody(line string) string {
	if b, ok := strings.CutPrefix(line, "&gt;"); ok {
		return strings.TrimPrefix(b, " ")
	}
	return strings.TrimPrefix(strings.TrimPrefix(line, ">"), " ")
}

// listItem says whether a line is a bulleted ("ul") or numbered ("ol")
// list item: "• ", "◦ ", "- " or "1. ".
func listItem(line string) string {
	t := strings.TrimLeft(line, " ")
	for _, p := range []string{"• ", "◦ ", "▪ ", "- "} {
		if strings.HasPrefix(t, p) {
			return "ul"
		}
	}
	d := 0
	for d < len(t) && t[d] >= '0' && t[d] <= '9' {
		d++
	}
	if d > 0 && d < 4 && strings.HasPrefix(t[d:], ". ") {
		return "ol"
	}
	return ""
}

func listBody(line string) string {
	t := strings.TrimLeft(line, " ")
	for _, p := range []string{"• ", "◦ ", "▪ ", "- "} {
		if b, ok := strings.CutPrefix(t, p); ok {
			return b
		}
	}
	_, b, _ := strings.Cut(t, ". ")
	return b
}

// unescapeSlack turns Slack's three entities back into characters.
func unescapeSlack(s string) string {
	if !strings.Contains(s, "&") {
		return s
	}
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// text escapes plain text (Slack-escaped) for HTML and shows emoji codes.
func (r *Renderer) text(s string) string {
	return r.emoji(html.EscapeString(unescapeSlack(s)))
}

// inline renders one line's bold, italic, strike, code, links, mentions
// and emoji.
func (r *Renderer) inline(s string) string {
	var b strings.Builder
	plain := 0 // start of the pending run of ordinary text
	flush := func(end int) {
		if end > plain {
			b.WriteString(r.text(s[plain:end]))
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '`':
			if j := strings.IndexByte(s[i+1:], '`'); j > 0 {
				flush(i)
				b.WriteString(`<code class="mk-code">`)
				b.WriteString(html.EscapeString(unescapeSlack(s[i+1 : i+1+j])))
				b.WriteString(`</code>`)
				i += j + 2
				plain = i
				continue
			}
		case c == '<':
			if j := strings.IndexByte(s[i+1:], '>'); j > 0 {
				flush(i)
				b.WriteString(r.control(s[i+1 : i+1+j]))
				i += j + 2
				plain = i
				continue
			}
		case c == '*' || c == '_' || c == '~':
			if j := closing(s, i); j > 0 {
				flush(i)
				tag := map[byte]string{'*': "b", '_': "i", '~': "s"}[c]
				b.WriteString("<" + tag + ">")
				b.WriteString(r.inline(s[i+1 : j]))
				b.WriteString("</" + tag + ">")
				i = j + 1
				plain = i
				continue
			}
		}
		i++
	}
	flush(len(s))
	return b.String()
}

// closing finds the marker closing the one at s[i], as Slack pairs them:
// the opening one follows a start, space or punctuation and precedes a
// non-space; the closing one follows a non-space and precedes an end,
// space or punctuation. -1 when there is none.
func closing(s string, i int) int {
	c := s[i]
	if i > 0 {
		p, _ := utf8.DecodeLastRuneInString(s[:i])
		if unicode.IsLetter(p) || unicode.IsDigit(p) {
			return -1
		}
	}
	if i+1 >= len(s) || s[i+1] == ' ' || s[i+1] == c {
		return -1
	}
	for j := i + 2; j < len(s); j++ {
		if s[j] == '`' || s[j] == '<' {
			// A marker inside code or a link does not close this one.
			var end int
			if s[j] == '`' {
				end = strings.IndexByte(s[j+1:], '`')
			} else {
				end = strings.IndexByte(s[j+1:], '>')
			}
			if end > 0 {
				j += end + 1
				continue
			}
		}
		if s[j] != c || s[j-1] == ' ' {
			continue
		}
		if j+1 < len(s) {
			n, _ := utf8.DecodeRuneInString(s[j+1:])
			if unicode.IsLetter(n) || unicode.IsDigit(n) {
				continue
			}
		}
		return j
	}
	return -1
}

// control renders a <…> sequence: a link, a user, channel or group
// mention, a special mention or a date.
func (r *Renderer) control(seq string) string {
	target, label, hasLabel := strings.Cut(seq, "|")
	switch {
	case strings.HasPrefix(target, "@"):
		id := target[1:]
		name := r.opts.Users[id]
		if name == "" {
			name = label
		}
		if name == "" {
			name = id
		}
		return `<span class="mk-mention">@` + html.EscapeString(unescapeSlack(name)) + `</span>`
	case strings.HasPrefix(target, "#"):
		id := target[1:]
		name := r.opts.Channels[id]
		if name == "" {
			name = label
		}
		if name == "" {
			name = id
		}
		return `<span class="mk-mention">#` + html.EscapeString(unescapeSlack(name)) + `</span>`
	case strings.HasPrefix(target, "!subteam^"):
		name := label
		if name == "" {
			name = "@" + strings.TrimPrefix(target, "!subteam^")
		}
		return `<span class="mk-mention">` + html.EscapeString(unescapeSlack(name)) + `</span>`
	case strings.HasPrefix(target, "!date^"):
		return `<span class="mk-date">` + html.EscapeString(formatDate(target, unescapeSlack(label))) + `</span>`
	case target == "!here" || target == "!channel" || target == "!everyone":
		return `<span class="mk-mention mk-broadcast">@` + target[1:] + `</span>`
	case strings.HasPrefix(target, "!"):
		if hasLabel {
			return r.text(label)
		}
		return r.text("<" + target + ">")
	}
	href := unescapeSlack(target)
	if !hasLabel {
		label = target
	}
	if !safeURL(href) {
		return r.text(label)
	}
	return `<a class="mk-link" href="` + html.EscapeString(href) + `" target="_blank" rel="noopener noreferrer">` + r.emoji(html.EscapeString(unescapeSlack(label))) + `</a>`
}

// safeURL allows only the schemes Slack links: a javascript: or data: URL
// from a hostile catalog stays text.
func safeURL(u string) bool {
	l := strings.ToLower(strings.TrimSpace(u))
	return strings.HasPrefix(l, "https://") || strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "mailto:")
}

// formatDate renders <!date^UNIX^FORMAT^LINK|fallback> as Slack does, in
// UTC (the playground has no viewer's time zone); the fallback when the
// sequence does not parse.
func formatDate(seq, fallback string) string {
	parts := strings.Split(seq, "^")
	if len(parts) < 3 {
		return fallback
	}
	sec, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return fallback
	}
	t := time.Unix(sec, 0).UTC()
	day := t.Format("January ") + ordinal(t.Day()) + t.Format(", 2006")
	repl := strings.NewReplacer(
		"{date_num}", t.Format("2006-01-02"),
		"{date_slash}", t.Format("02/01/2006"),
		"{date_long_full}", t.Format("Monday, January 2, 2006"),
		"{date_long_pretty}", t.Format("Monday, ")+day,
		"{date_long}", t.Format("Monday, ")+day,
		"{date_pretty}", day,
		"{date_short_pretty}", t.Format("Jan 2, 2006"),
		"{date_short}", t.Format("Jan 2, 2006"),
		"{date}", day,
		"{time_secs}", t.Format("3:04:05 PM"),
		"{time}", t.Format("3:04 PM"),
		"{ago}", t.Format("Jan 2, 2006"),
	)
	return repl.Replace(unescapeSlack(parts[2]))
}

func ordinal(d int) string {
	suffix := "th"
	switch {
	case d%100 >= 11 && d%100 <= 13:
	case d%10 == 1:
		suffix = "st"
	case d%10 == 2:
		suffix = "nd"
	case d%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(d) + suffix
}
