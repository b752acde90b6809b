package blockhtml

import "strings"

// emoji replaces :shortcodes: Slack knows with their characters; an
// unknown one stays as typed, as Slack shows it.
func (r *Renderer) emoji(escaped string) string {
	if !strings.Contains(escaped, ":") {
		return escaped
	}
	var b strings.Builder
	for {
		i := strings.IndexByte(escaped, ':')
		if i < 0 {
			break
		}
		j := strings.IndexByte(escaped[i+1:], ':')
		if j <= 0 || !shortcode(escaped[i+1:i+1+j]) {
			b.WriteString(escaped[:i+1])
			escaped = escaped[i+1:]
			continue
		}
		name := escaped[i+1 : i+1+j]
		if ch, ok := emojiChar(name); ok {
			b.WriteString(escaped[:i])
			b.WriteString(`<span class="emoji" title=":` + name + `:">` + ch + `</span>`)
			escaped = escaped[i+j+2:]
			continue
		}
		// Not an emoji: its closing colon may open the next one.
		b.WriteString(escaped[:i+1+j])
		escaped = escaped[i+1+j:]
	}
	b.WriteString(escaped)
	return b.String()
}

func shortcode(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '+' || c == '-') {
			return false
		}
	}
	return s != ""
}

// emojiChar is the character of one of the emoji Slack's apps commonly
// use, prodready's among them.
func emojiChar(name string) (string, bool) {
	switch name {
	case "white_check_mark":
		return "✅", true
	case "heavy_check_mark":
		return "✔️", true
	case "large_yellow_circle":
		return "🟡", true
	case "large_green_circle":
		return "🟢", true
	case "large_orange_circle":
		return "🟠", true
	case "red_circle":
		return "🔴", true
	case "large_blue_circle":
		return "🔵", true
	case "white_circle":
		return "⚪", true
	case "black_circle":
		return "⚫", true
	case "new":
		return "🆕", true
	case "warning":
		return "⚠️", true
	case "zzz":
		return "💤", true
	case "x":
		return "❌", true
	case "rocket":
		return "🚀", true
	case "arrow_up":
		return "⬆️", true
	case "arrow_down":
		return "⬇️", true
	case "arrow_right":
		return "➡️", true
	case "tada":
		return "🎉", true
	case "small_red_triangle_down":
		return "🔻", true
	case "small_red_triangle":
		return "🔺", true
	case "no_entry":
		return "⛔", true
	case "no_entry_sign":
		return "🚫", true
	case "hourglass_flowing_sand":
		return "⏳", true
	case "hourglass":
		return "⌛", true
	case "fire":
		return "🔥", true
	case "chart_with_upwards_trend":
		return "📈", true
	case "chart_with_downwards_trend":
		return "📉", true
	case "bar_chart":
		return "📊", true
	case "calendar":
		return "📆", true
	case "date":
		return "📅", true
	case "bell":
		return "🔔", true
	case "lock":
		return "🔒", true
	case "key":
		return "🔑", true
	case "memo":
		return "📝", true
	case "bulb":
		return "💡", true
	case "mag":
		return "🔍", true
	case "eyes":
		return "👀", true
	case "wave":
		return "👋", true
	case "thumbsup", "+1":
		return "👍", true
	case "thumbsdown", "-1":
		return "👎", true
	case "star":
		return "⭐", true
	case "trophy":
		return "🏆", true
	case "medal", "sports_medal":
		return "🏅", true
	case "first_place_medal":
		return "🥇", true
	case "second_place_medal":
		return "🥈", true
	case "third_place_medal":
		return "🥉", true
	case "information_source":
		return "ℹ️", true
	case "question":
		return "❓", true
	case "exclamation", "heavy_exclamation_mark":
		return "❗", true
	case "link":
		return "🔗", true
	case "wrench":
		return "🔧", true
	case "hammer_and_wrench":
		return "🛠️", true
	case "shield":
		return "🛡️", true
	case "clock":
		return "🕒", true
	case "stopwatch":
		return "⏱️", true
	case "sparkles":
		return "✨", true
	case "construction":
		return "🚧", true
	case "package":
		return "📦", true
	case "pushpin":
		return "📌", true
	case "smile":
		return "😄", true
	case "slightly_smiling_face":
		return "🙂", true
	case "heavy_minus_sign":
		return "➖", true
	case "heavy_plus_sign":
		return "➕", true
	case "arrows_counterclockwise":
		return "🔄", true
	case "busts_in_silhouette":
		return "👥", true
	case "bust_in_silhouette":
		return "👤", true
	case "house":
		return "🏠", true
	case "ok":
		return "🆗", true
	}
	return "", false
}
