package httpclient

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	tests := []struct {
		in      string
		secrets []string
		want    string
	}{
		{"token abcd1234 refused", []string{"abcd1234"}, "token [redacted] refused"},
		{"short ab stays", []string{"ab"}, "short ab stays"},
		{"two: k1k1k1 and s2s2s2", []string{"k1k1k1", "s2s2s2", ""}, "two: [redacted] and [redacted]"},
		{"nothing here", nil, "nothing here"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in, tt.secrets...); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	cause := &fs.PathError{Op: "open", Path: "/x/sekret-value", Err: fs.ErrNotExist}
	err := RedactError(cause, func(s string) string { return Redact(s, "sekret-value") })
	if strings.Contains(err.Error(), "sekret-value") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("RedactError: %q, Is ErrNotExist %v", err, errors.Is(err, fs.ErrNotExist))
	}
	if plain := errors.New("fine"); RedactError(plain, func(s string) string { return s }) != plain {
		t.Error("an error with nothing to redact is not returned as it is")
	}
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	l := restyLogger{log: func() *slog.Logger { return log }, redact: func(s string) string { return Redact(s, "tok3n-x") }}
	l.Errorf("retry with %s", "tok3n-x")
	l.Warnf("w")
	l.Debugf("d")
	if out := buf.String(); strings.Contains(out, "tok3n-x") || strings.Count(out, "resty: ") != 3 {
		t.Errorf("log: %s", out)
	}
}
