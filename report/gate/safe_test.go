package gate

import (
	"strings"
	"testing"
)

func TestCommandSafe(t *testing.T) {
	cases := []struct {
		writes []string
		want   string
	}{
		{[]string{"plain line\n"}, "plain line\n"},
		{[]string{"::error::x\n"}, "%3A:error::x\n"},
		{[]string{"a\n  ::warning::x\r::notice::y\n"}, "a\n  %3A:warning::x\r%3A:notice::y\n"},
		{[]string{"title\n", "  ", "::error::split\n"}, "title\n  %3A:error::split\n"},
		{[]string{"a :: b\n"}, "a :: b\n"},
	}
	for _, tc := range cases {
		var b strings.Builder
		w := CommandSafe(&b)
		for _, s := range tc.writes {
			if n, err := w.Write([]byte(s)); err != nil || n != len(s) {
				t.Fatalf("Write(%q) = %d, %v", s, n, err)
			}
		}
		if b.String() != tc.want {
			t.Errorf("%q: got %q, want %q", tc.writes, b.String(), tc.want)
		}
		for _, l := range strings.FieldsFunc(b.String(), func(r rune) bool { return r == '\n' || r == '\r' }) {
			if strings.HasPrefix(strings.TrimLeft(l, " \t"), "::") {
				t.Errorf("%q: a line starts a command: %q", tc.writes, l)
			}
		}
	}
}
