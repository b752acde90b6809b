package httpclient

import (
	"fmt"
	"log/slog"
	"strings"
)

// minLen is the shortest secret looked for: a shorter one would blank out
// ordinary words.
const minLen = 4

// Redact replaces every secret found in s with "[redacted]".
func Redact(s string, secrets ...string) string {
	for _, x := range secrets {
		if len(x) >= minLen && strings.Contains(s, x) {
			s = strings.ReplaceAll(s, x, "[redacted]")
		}
	}
	return s
}

// RedactError is err with its text passed through redact; errors.Is and As still
// reach err. It is err itself when there was nothing to redact.
func RedactError(err error, redact func(string) string) error {
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

// restyLogger sends resty's own lines to the logger log returns, at debug
// level, through redact.
type restyLogger struct {
	log    func() *slog.Logger
	redact func(string) string
}

func (l restyLogger) say(format string, v ...any) {
	l.log().Debug("resty: " + l.redact(fmt.Sprintf(format, v...)))
}

// Errorf implements resty.Logger.
func (l restyLogger) Errorf(format string, v ...any) { l.say(format, v...) }

// Warnf implements resty.Logger.
func (l restyLogger) Warnf(format string, v ...any) { l.say(format, v...) }

// Debugf implements resty.Logger.
func (l restyLogger) Debugf(format string, v ...any) { l.say(format, v...) }
