// Package blockhtml renders Slack's Block Kit (messages, modals and the
// Home tab) and mrkdwn to HTML styled like Slack's client, with the CSS
// embedded (CSS), for the playground's page and for pictures in the docs.
//
// Everything from the JSON is HTML-escaped wherever it lands, links only
// with http, https or mailto. A block or element the renderer does not
// know is shown as its JSON under a warning, never dropped.
package blockhtml

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"html"
	"html/template"
	"strings"
)

//go:embed slack.css
var css string

// CSS is the stylesheet for everything this package renders.
func CSS() string { return css }

// Options say how to render.
type Options struct {
	// Users and Channels name the ids in <@U…> and <#C…> mentions.
	Users, Channels map[string]string
	// Interactive marks every element with the data-* attributes the
	// playground's script posts as an interaction; without it elements
	// are inert (pictures).
	Interactive bool
}

// Renderer renders Block Kit with one set of Options.
type Renderer struct {
	opts Options
}

// New returns a Renderer.
func New(opts Options) *Renderer { return &Renderer{opts: opts} }

type obj = map[string]any

func str(m obj, k string) string {
	s, _ := m[k].(string)
	return s
}

func sub(m obj, k string) obj {
	o, _ := m[k].(map[string]any)
	return o
}

func list(m obj, k string) []obj {
	a, _ := m[k].([]any)
	out := make([]obj, 0, len(a))
	for _, v := range a {
		if o, ok := v.(map[string]any); ok {
			out = append(out, o)
		} else {
			out = append(out, obj{"type": fmt.Sprintf("(not an object: %v)", v)})
		}
	}
	return out
}

func esc(s string) string { return html.EscapeString(s) }

// Blocks renders a message's blocks: a JSON array, or an object with a
// "blocks" array (a message as the docs keep it).
func (r *Renderer) Blocks(raw json.RawMessage) template.HTML {
	blocks, err := decodeBlocks(raw)
	if err != nil {
		return template.HTML(unknown(err.Error(), raw))
	}
	var b strings.Builder
	for i, bl := range blocks {
		b.WriteString(r.block(bl, i, nil))
	}
	return template.HTML(b.String())
}

func decodeBlocks(raw json.RawMessage) ([]obj, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '{' {
		var m struct {
			Blocks json.RawMessage `json:"blocks"`
		}
		if err := json.Unmarshal(raw, &m); err != nil {
			return nil, fmt.Errorf("the blocks are not valid JSON: %v", err)
		}
		raw = m.Blocks
	}
	var arr []any
	if err := json.Unmarshal(raw, &arr); err != nil {
		return nil, fmt.Errorf("the blocks are not a JSON array: %v", err)
	}
	return list(obj{"a": arr}, "a"), nil
}

// unknown shows something the renderer cannot draw: a warning and the JSON.
func unknown(why string, v any) string {
	var js []byte
	switch t := v.(type) {
	case json.RawMessage:
		js = t
		var out bytes.Buffer
		if json.Indent(&out, t, "", "  ") == nil {
			js = out.Bytes()
		}
	default:
		js, _ = json.MarshalIndent(v, "", "  ")
	}
	return `<div class="b-unknown"><div class="b-unknown-warn">⚠ ` + esc(why) + `</div><pre>` + esc(string(js)) + `</pre></div>`
}

// textObj renders a text object: plain_text or mrkdwn.
func (r *Renderer) textObj(t obj) string {
	if t == nil {
		return ""
	}
	switch str(t, "type") {
	case "mrkdwn":
		return r.Mrkdwn(str(t, "text"))
	case "plain_text", "":
		if e, ok := t["emoji"].(bool); ok && !e {
			return esc(unescapeSlack(str(t, "text")))
		}
		return r.text(str(t, "text"))
	}
	return unknown(fmt.Sprintf("text object of type %q is not rendered", str(t, "type")), t)
}

func blockID(b obj, i int) string {
	if id := str(b, "block_id"); id != "" {
		return id
	}
	// Slack gives a block without an id one of its own.
	return fmt.Sprintf("auto-%d", i)
}

// block renders one block; errs are a modal's errors by block_id.
func (r *Renderer) block(b obj, i int, errs map[string]string) string {
	id := blockID(b, i)
	attr := ` data-block-id="` + esc(id) + `"`
	switch str(b, "type") {
	case "header":
		return `<div class="b-header"` + attr + `>` + r.textObj(sub(b, "text")) + `</div>`
	case "divider":
		return `<hr class="b-divider"` + attr + `>`
	case "section":
		var s strings.Builder
		s.WriteString(`<div class="b-section"` + attr + `><div class="b-section-main">`)
		if t := sub(b, "text"); t != nil {
			s.WriteString(`<div class="b-text">` + r.textObj(t) + `</div>`)
		}
		if fields := list(b, "fields"); len(fields) > 0 {
			s.WriteString(`<div class="b-fields">`)
			for _, f := range fields {
				s.WriteString(`<div class="b-field">` + r.textObj(f) + `</div>`)
			}
			s.WriteString(`</div>`)
		}
		s.WriteString(`</div>`)
		if a := sub(b, "accessory"); a != nil {
			s.WriteString(`<div class="b-accessory">` + r.element(a, id, true) + `</div>`)
		}
		s.WriteString(`</div>`)
		return s.String()
	case "context":
		var s strings.Builder
		s.WriteString(`<div class="b-context"` + attr + `>`)
		for _, e := range list(b, "elements") {
			switch str(e, "type") {
			case "image":
				s.WriteString(r.img(e, "b-context-img"))
			case "mrkdwn", "plain_text":
				s.WriteString(`<span class="b-context-text">` + r.textObj(e) + `</span>`)
			default:
				s.WriteString(unknown(fmt.Sprintf("context element of type %q is not rendered", str(e, "type")), e))
			}
		}
		s.WriteString(`</div>`)
		return s.String()
	case "actions":
		var s strings.Builder
		s.WriteString(`<div class="b-actions"` + attr + `>`)
		for _, e := range list(b, "elements") {
			s.WriteString(r.element(e, id, true))
		}
		s.WriteString(`</div>`)
		return s.String()
	case "image":
		var s strings.Builder
		s.WriteString(`<div class="b-image"` + attr + `>`)
		if t := sub(b, "title"); t != nil {
			s.WriteString(`<div class="b-image-title">` + r.textObj(t) + `</div>`)
		}
		s.WriteString(r.img(b, "b-image-img"))
		s.WriteString(`</div>`)
		return s.String()
	case "rich_text":
		return `<div class="b-rich"` + attr + `>` + r.richText(list(b, "elements")) + `</div>`
	case "input":
		var s strings.Builder
		s.WriteString(`<div class="b-input"` + attr + `><label class="b-input-label">` + r.textObj(sub(b, "label")))
		if opt, _ := b["optional"].(bool); opt {
			s.WriteString(` <span class="b-optional">(optional)</span>`)
		}
		s.WriteString(`</label>`)
		s.WriteString(r.element(sub(b, "element"), id, false))
		if msg := errs[id]; msg != "" {
			s.WriteString(`<div class="b-input-error">` + esc(msg) + `</div>`)
		}
		if h := sub(b, "hint"); h != nil {
			s.WriteString(`<div class="b-hint">` + r.textObj(h) + `</div>`)
		}
		s.WriteString(`</div>`)
		return s.String()
	}
	return unknown(fmt.Sprintf("block of type %q is not rendered by the playground", str(b, "type")), b)
}

// img renders an image block or element; only an http(s) URL is loaded.
func (r *Renderer) img(e obj, class string) string {
	u := str(e, "image_url")
	if f := sub(e, "slack_file"); u == "" && f != nil {
		u = str(f, "url")
	}
	alt := str(e, "alt_text")
	if !safeURL(u) || strings.HasPrefix(strings.ToLower(u), "mailto:") {
		return `<span class="` + class + ` b-img-missing" title="` + esc(alt) + `">🖼 ` + esc(alt) + `</span>`
	}
	return `<img class="` + class + `" src="` + esc(u) + `" alt="` + esc(alt) + `" title="` + esc(alt) + `" loading="lazy" referrerpolicy="no-referrer">`
}

// data are the attributes the page's script reads to post an interaction.
func (r *Renderer) data(e obj, blockID string) string {
	if !r.opts.Interactive {
		return ""
	}
	s := ` data-type="` + esc(str(e, "type")) + `" data-action-id="` + esc(str(e, "action_id")) + `" data-block-id="` + esc(blockID) + `"`
	if c := sub(e, "confirm"); c != nil {
		s += ` data-confirm="` + esc(plain(sub(c, "title"))+"\n\n"+plain(sub(c, "text"))) + `"`
	}
	return s
}

// plain is a text object's text without markup, for attributes.
func plain(t obj) string { return unescapeSlack(str(t, "text")) }

// element renders an interactive element; inMessage says it acts at once
// (in a message, the Home tab or an actions block), not as a form field.
func (r *Renderer) element(e obj, blockID string, inMessage bool) string {
	if e == nil {
		return unknown("an input block without an element", obj{})
	}
	d := r.data(e, blockID)
	dis := ""
	if !r.opts.Interactive {
		dis = " disabled"
	}
	switch t := str(e, "type"); t {
	case "button":
		class := "el-button"
		switch str(e, "style") {
		case "primary":
			class += " el-primary"
		case "danger":
			class += " el-danger"
		}
		s := `<button type="button" class="` + class + `"` + d + ` data-value="` + esc(str(e, "value")) + `"`
		if u := str(e, "url"); u != "" && safeURL(u) {
			s += ` data-url="` + esc(u) + `"`
		}
		return s + dis + `>` + r.textObj(sub(e, "text")) + `</button>`
	case "overflow":
		var s strings.Builder
		s.WriteString(`<div class="el-overflow"` + d + `><button type="button" class="el-overflow-btn" aria-label="More actions"` + dis + `>⋮</button><div class="el-menu">`)
		for _, o := range list(e, "options") {
			s.WriteString(`<button type="button" class="el-menu-item" data-value="` + esc(str(o, "value")) + `" data-text="` + esc(plain(sub(o, "text"))) + `"`)
			if u := str(o, "url"); u != "" && safeURL(u) {
				s.WriteString(` data-url="` + esc(u) + `"`)
			}
			s.WriteString(dis + `>` + r.textObj(sub(o, "text")) + `</button>`)
		}
		s.WriteString(`</div></div>`)
		return s.String()
	case "datepicker":
		return `<input type="date" class="el-date"` + d + ` value="` + esc(str(e, "initial_date")) + `"` + placeholder(e) + dis + `>`
	case "timepicker":
		return `<input type="time" class="el-time"` + d + ` value="` + esc(str(e, "initial_time")) + `"` + dis + `>`
	case "static_select", "multi_static_select":
		return r.selectEl(e, d, dis, t == "multi_static_select")
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		kind := map[string]string{"plain_text_input": "text", "email_text_input": "email", "url_text_input": "url", "number_input": "number"}[t]
		if m, _ := e["multiline"].(bool); m {
			return `<textarea class="el-text"` + d + placeholder(e) + dis + `>` + esc(str(e, "initial_value")) + `</textarea>`
		}
		return `<input type="` + kind + `" class="el-text"` + d + ` value="` + esc(str(e, "initial_value")) + `"` + placeholder(e) + dis + `>`
	case "radio_buttons", "checkboxes":
		kind := map[string]string{"radio_buttons": "radio", "checkboxes": "checkbox"}[t]
		initial := map[string]bool{}
		if o := sub(e, "initial_option"); o != nil {
			initial[str(o, "value")] = true
		}
		for _, o := range list(e, "initial_options") {
			initial[str(o, "value")] = true
		}
		var s strings.Builder
		s.WriteString(`<div class="el-choices"` + d + `>`)
		name := esc(blockID + "/" + str(e, "action_id"))
		for _, o := range list(e, "options") {
			checked := ""
			if initial[str(o, "value")] {
				checked = " checked"
			}
			s.WriteString(`<label class="el-choice"><input type="` + kind + `" name="` + name + `" value="` + esc(str(o, "value")) + `" data-text="` + esc(plain(sub(o, "text"))) + `"` + checked + dis + `> ` + r.textObj(sub(o, "text")) + `</label>`)
		}
		s.WriteString(`</div>`)
		return s.String()
	case "image":
		return r.img(e, "b-accessory-img")
	}
	return unknown(fmt.Sprintf("element of type %q is not rendered by the playground", str(e, "type")), e)
}

func placeholder(e obj) string {
	if p := sub(e, "placeholder"); p != nil {
		return ` placeholder="` + esc(plain(p)) + `"`
	}
	return ""
}

func (r *Renderer) selectEl(e obj, d, dis string, multi bool) string {
	initial := map[string]bool{}
	if o := sub(e, "initial_option"); o != nil {
		initial[str(o, "value")] = true
	}
	for _, o := range list(e, "initial_options") {
		initial[str(o, "value")] = true
	}
	var s strings.Builder
	m := ""
	if multi {
		m = " multiple"
	}
	s.WriteString(`<select class="el-select"` + d + m + dis + `>`)
	if !multi {
		sel := ""
		if len(initial) == 0 {
			sel = " selected"
		}
		s.WriteString(`<option value="" disabled` + sel + `>` + esc(plain(sub(e, "placeholder"))) + `</option>`)
	}
	opt := func(o obj) {
		sel := ""
		if initial[str(o, "value")] {
			sel = " selected"
		}
		s.WriteString(`<option value="` + esc(str(o, "value")) + `"` + sel + `>` + esc(plain(sub(o, "text"))) + `</option>`)
	}
	for _, o := range list(e, "options") {
		opt(o)
	}
	for _, g := range list(e, "option_groups") {
		s.WriteString(`<optgroup label="` + esc(plain(sub(g, "label"))) + `">`)
		for _, o := range list(g, "options") {
			opt(o)
		}
		s.WriteString(`</optgroup>`)
	}
	s.WriteString(`</select>`)
	return s.String()
}

// richText renders a rich_text block's elements.
func (r *Renderer) richText(elems []obj) string {
	var s strings.Builder
	for _, e := range elems {
		switch str(e, "type") {
		case "rich_text_section":
			s.WriteString(`<div class="rt-section">` + r.richInline(list(e, "elements")) + `</div>`)
		case "rich_text_preformatted":
			s.WriteString(`<pre class="mk-pre">` + r.richInline(list(e, "elements")) + `</pre>`)
		case "rich_text_quote":
			s.WriteString(`<blockquote class="mk-quote">` + r.richInline(list(e, "elements")) + `</blockquote>`)
		case "rich_text_list":
			tag := "ul"
			if str(e, "style") == "ordered" {
				tag = "ol"
			}
			indent, _ := e["indent"].(float64)
			s.WriteString(fmt.Sprintf(`<%s class="mk-list" style="margin-left:%dpx">`, tag, int(indent)*24))
			for _, item := range list(e, "elements") {
				s.WriteString(`<li>` + r.richInline(list(item, "elements")) + `</li>`)
			}
			s.WriteString(`</` + tag + `>`)
		default:
			s.WriteString(unknown(fmt.Sprintf("rich_text element of type %q is not rendered", str(e, "type")), e))
		}
	}
	return s.String()
}

func (r *Renderer) richInline(elems []obj) string {
	var s strings.Builder
	for _, e := range elems {
		var out string
		switch str(e, "type") {
		case "text":
			out = strings.ReplaceAll(r.emoji(esc(str(e, "text"))), "\n", "<br>")
		case "link":
			label := str(e, "text")
			if label == "" {
				label = str(e, "url")
			}
			if safeURL(str(e, "url")) {
				out = `<a class="mk-link" href="` + esc(str(e, "url")) + `" target="_blank" rel="noopener noreferrer">` + esc(label) + `</a>`
			} else {
				out = esc(label)
			}
		case "emoji":
			if ch, ok := emojiChar(str(e, "name")); ok {
				out = `<span class="emoji">` + ch + `</span>`
			} else {
				out = esc(":" + str(e, "name") + ":")
			}
		case "user":
			out = r.control("@" + str(e, "user_id"))
		case "channel":
			out = r.control("#" + str(e, "channel_id"))
		case "usergroup":
			out = r.control("!subteam^" + str(e, "usergroup_id"))
		case "broadcast":
			out = r.control("!" + str(e, "range"))
		case "date":
			ts, _ := e["timestamp"].(float64)
			out = `<span class="mk-date">` + esc(formatDate(fmt.Sprintf("!date^%d^%s", int64(ts), str(e, "format")), str(e, "fallback"))) + `</span>`
		case "color":
			out = esc(str(e, "value"))
		default:
			out = unknown(fmt.Sprintf("rich_text element of type %q is not rendered", str(e, "type")), e)
		}
		st := sub(e, "style")
		for _, f := range [][2]string{{"code", "code"}, {"strike", "s"}, {"italic", "i"}, {"bold", "b"}} {
			if on, _ := st[f[0]].(bool); on {
				out = "<" + f[1] + ">" + out + "</" + f[1] + ">"
			}
		}
		s.WriteString(out)
	}
	return s.String()
}
