package main

import (
	"errors"
	"io"
	"sort"
	"strings"

	"github.com/prodready/prodready/bot/jobs"
)

// The library packages do not know how they are configured: their messages
// name the Go field a value lands in ("github.Config.Token") or the setting
// in words. What prodready prints names the variable instead, through the
// field column of the table of variables.

// cronVariables names the variable of each job's schedule (jobs.All);
// a job missing here is refused by TestCronVariables.
func cronVariables() map[string]string {
	return map[string]string{
		jobs.Refresh:   "PRODREADY_REFRESH_CRON",
		jobs.Weekly:    "PRODREADY_WEEKLY_CRON",
		jobs.Monthly:   "PRODREADY_MONTHLY_CRON",
		jobs.Quarterly: "PRODREADY_QUARTERLY_CRON",
		jobs.Notices:   "PRODREADY_NOTICE_CRON",
	}
}

// otherFields are the fields set by variables outside the table.
func otherFields() map[string][]string {
	return map[string][]string{
		"engine.Config.DigestPeriod": {testDigestPeriod},
		"report.Targets":             {"PRODREADY_TARGET_LEVEL"},
		"gate.Target.Token":          {"PRODREADY_API_TOKEN"},
	}
}

// fieldNames rewrites the library fields in a text to the variables that
// set them; a field set by several variables names them all.
func fieldNames() *strings.Replacer {
	byField := map[string][]string{}
	var fields []string
	for _, v := range variables() {
		if v.field == "" {
			continue
		}
		if byField[v.field] == nil {
			fields = append(fields, v.field)
		}
		byField[v.field] = append(byField[v.field], v.name)
	}
	for field, names := range otherFields() {
		if byField[field] == nil {
			fields = append(fields, field)
		}
		byField[field] = append(byField[field], names...)
	}
	// Longest first: a field that begins another must not take its place.
	sort.Slice(fields, func(i, j int) bool {
		if len(fields[i]) != len(fields[j]) {
			return len(fields[i]) > len(fields[j])
		}
		return fields[i] < fields[j]
	})
	pairs := make([]string, 0, 2*len(fields))
	for _, f := range fields {
		names := byField[f]
		text := names[0]
		if len(names) > 1 {
			text += " (or " + strings.Join(names[1:], " or ") + ")"
		}
		pairs = append(pairs, f, text)
	}
	return strings.NewReplacer(pairs...)
}

// namedError is a library's error as prodready prints it: with variables
// for fields. The library's error stays reachable for errors.Is and As.
type namedError struct {
	msg string
	err error
}

func (e *namedError) Error() string { return e.msg }
func (e *namedError) Unwrap() error { return e.err }

// nameVariables rewrites err's text with r; nil stays nil.
func nameVariables(r *strings.Replacer, err error) error {
	if err == nil {
		return nil
	}
	var done *namedError
	if errors.As(err, &done) && done == err {
		return err
	}
	return &namedError{msg: r.Replace(err.Error()), err: err}
}

// namingWriter rewrites the fields in what is written to w: the errors and
// log lines prodready prints. Each Write is a whole message or log line,
// as fmt.Fprint* and slog's handlers write them, so no field is split.
type namingWriter struct {
	w io.Writer
	r *strings.Replacer
}

func (n namingWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(n.w, n.r.Replace(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// namedStderr is e's stderr, naming variables for fields; run gives every
// command such a stderr, and commands started without it (tests) get one.
func namedStderr(e *env) io.Writer {
	if w, ok := e.stderr.(namingWriter); ok {
		return w
	}
	return namingWriter{w: e.stderr, r: fieldNames()}
}
