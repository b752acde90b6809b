// Package redact keeps secrets out of what an API client says: its errors
// and resty's own log lines. The clients of Port, GitHub, PagerDuty and
// Backstage share it, so each redacts the same way.
package redact

import (
	"fmt"
	"log/slog"
	"strings"
)

// minLen is the shortest secret looked for: a shorter one would blank out
// ordinary words.
const minLen = 4

// String replaces every secret found in s with "[redacted]".
func String(s string, secrets ...string) string {
	for _, x := range secrets {
		if len(x) >= minLen && strings.Contains(s, x) {
			s = strings.ReplaceAll(s, x, "[redacted]")
		}
	}
	return s
}

// Error is err with its text passed through redact; errors.Is and As still
// reach err. It is err itself when there was nothing to redact.
func Error(err error, redact func(string) string) error {
	if err == nil {
		return nil
	}
	if s := err.Error(); redact(s) != s {
		return redacted{msg: redact(s), cause: err}
	}
	return err
}

type redacted struct {
	msg   string
	cause error
}

func (r redacted) Error() string { return r.msg }
func (r redacted) Unwrap() error { return r.cause }

// RestyLogger sends resty's own lines to the logger log returns, at debug
// level, through redact. log is called per line: clients set their logger
// after building their resty client.
type RestyLogger struct {
	Log    func() *slog.Logger
	Redact func(string) string
}

func (l RestyLogger) say(format string, v ...any) {
	l.Log().Debug("resty: " + l.Redact(fmt.Sprintf(format, v...)))
}

// Errorf implements resty.Logger.
func (l RestyLogger) Errorf(format string, v ...any) { l.say(format, v...) }

// Warnf implements resty.Logger.
func (l RestyLogger) Warnf(format string, v ...any) { l.say(format, v...) }

// Debugf implements resty.Logger.
func (l RestyLogger) Debugf(format string, v ...any) { l.say(format, v...) }
