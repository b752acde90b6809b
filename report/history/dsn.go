package history

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// PRODREADY_DB holds a SQLite file path or a PostgreSQL connection string:
// a postgres:// URL or libpq's key=value form. Its password may be written
// in several spellings (percent-encoded in a URL, in a query parameter,
// quoted with escapes in key=value): Secrets finds them all, and Redact
// and RedactIn, which every output goes through, mask them all.

// masked replaces a password in output.
const masked = "xxxxx"

// IsPostgres reports whether dsn (PRODREADY_DB) names a PostgreSQL
// database: a postgres:// or postgresql:// URL, or a libpq key=value
// connection string.
func IsPostgres(dsn string) bool {
	d := strings.ToLower(strings.TrimSpace(dsn))
	return strings.HasPrefix(d, "postgres://") || strings.HasPrefix(d, "postgresql://") || isKeyValue(dsn)
}

// libpqKeywords are libpq's connection parameter key words, every one of
// them (PostgreSQL's "Parameter Key Words", libpq 18): a string that
// starts with one of them and "=" is a key=value connection string, never
// a file path, whatever parameter it starts with.
func libpqKeywords() []string {
	return []string{
		"host", "hostaddr", "port", "dbname", "user", "password", "passfile", "require_auth",
		"channel_binding", "connect_timeout", "client_encoding", "options", "application_name",
		"fallback_application_name", "keepalives", "keepalives_idle", "keepalives_interval",
		"keepalives_count", "tcp_user_timeout", "replication", "gssencmode", "sslmode", "requiressl",
		"sslnegotiation", "sslcompression", "sslcert", "sslkey", "sslkeylogfile", "sslpassword",
		"sslcertmode", "sslrootcert", "sslcrl", "sslcrldir", "sslsni", "requirepeer",
		"ssl_min_protocol_version", "ssl_max_protocol_version", "min_protocol_version",
		"max_protocol_version", "krbsrvname", "gsslib", "gssdelegation", "service",
		"target_session_attrs", "load_balance_hosts", "oauth_issuer", "oauth_client_id",
		"oauth_client_secret", "oauth_scope",
		// A server setting pgx passes on (as libpq does through options).
		"search_path",
	}
}

// firstKey is the key a key=value string starts with.
var firstKey = regexp.MustCompile(`^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=`)

// anyKey finds a key=value pair anywhere: a value holding one is not a
// file path someone meant (a key=value string with a mistyped first key,
// say), and may hold a password.
var anyKey = regexp.MustCompile(`(^|\s)[A-Za-z_][A-Za-z0-9_]*\s*=`)

func isKeyValue(dsn string) bool {
	m := firstKey.FindStringSubmatch(dsn)
	return m != nil && slices.Contains(libpqKeywords(), strings.ToLower(m[1]))
}

// plausiblePath reports whether dsn, neither a URL nor a libpq string,
// can be the SQLite file path it is then taken for: no key=value pair,
// no control character.
func plausiblePath(dsn string) bool {
	if anyKey.MatchString(dsn) {
		return false
	}
	return !strings.ContainsFunc(dsn, func(r rune) bool { return r < 0x20 || r == 0x7f })
}

// kvPair is one key=value of a libpq string: the value as written (quotes
// included) at raw[start:end], and as libpq reads it.
type kvPair struct {
	key        string
	start, end int
	value      string
}

// kvPairs reads a libpq key=value string as libpq does: values are bare
// words or single-quoted with \' and \\ escapes.
func kvPairs(s string) []kvPair {
	var out []kvPair
	i := 0
	for i < len(s) {
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		k := i
		for i < len(s) && s[i] != '=' && !isSpace(s[i]) {
			i++
		}
		key := s[k:i]
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) || s[i] != '=' {
			break
		}
		i++
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		start := i
		var v strings.Builder
		if i < len(s) && s[i] == '\'' {
			i++
			for i < len(s) && s[i] != '\'' {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				v.WriteByte(s[i])
				i++
			}
			if i < len(s) {
				i++
			}
		} else {
			for i < len(s) && !isSpace(s[i]) {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				v.WriteByte(s[i])
				i++
			}
		}
		out = append(out, kvPair{key: key, start: start, end: i, value: v.String()})
	}
	return out
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isPasswordKey(k string) bool {
	k = strings.ToLower(k)
	return k == "password" || k == "sslpassword" || k == "oauth_client_secret"
}

// Secrets returns every spelling in which dsn's passwords may appear in
// output (as written, decoded), longest first, for a log redactor; none
// for a SQLite path. A URL of another kind is searched as a Postgres one.
func Secrets(dsn string) []string {
	dsn = strings.TrimSpace(dsn)
	var out []string
	add := func(vals ...string) {
		for _, v := range vals {
			if v != "" && !slices.Contains(out, v) {
				out = append(out, v)
			}
		}
	}
	switch {
	case isKeyValue(dsn):
		for _, p := range kvPairs(dsn) {
			if isPasswordKey(p.key) {
				add(dsn[p.start:p.end], strings.Trim(dsn[p.start:p.end], "'"), p.value)
			}
		}
	case strings.Contains(dsn, "://"):
		rest := dsn[strings.Index(dsn, "://")+3:]
		auth := rest
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			auth = rest[:i]
		}
		if at := strings.LastIndex(auth, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(auth[:at], ":"); ok {
				add(pw, unescape(pw, url.PathUnescape), unescape(pw, url.QueryUnescape))
			}
		}
		if _, q, ok := strings.Cut(rest, "?"); ok {
			q, _, _ = strings.Cut(q, "#")
			for _, kv := range strings.Split(q, "&") {
				k, v, _ := strings.Cut(kv, "=")
				if isPasswordKey(unescape(k, url.QueryUnescape)) {
					add(v, unescape(v, url.QueryUnescape), unescape(v, url.PathUnescape))
				}
			}
		}
	case dsn != "" && !plausiblePath(dsn):
		// Not a path, not a string prodready can read: all of it, and
		// each value in it, may be a password.
		add(dsn)
		for _, word := range strings.Fields(dsn) {
			_, v, _ := strings.Cut(word, "=")
			add(word, v, strings.Trim(v, "'"))
		}
	}
	slices.SortStableFunc(out, func(a, b string) int { return len(b) - len(a) })
	return out
}

func unescape(s string, f func(string) (string, error)) string {
	if u, err := f(s); err == nil {
		return u
	}
	return ""
}

// Redact returns dsn with its passwords masked, for `prodready config`,
// logs and errors; a SQLite path unchanged.
func Redact(dsn string) string {
	d := strings.TrimSpace(dsn)
	switch {
	case isKeyValue(d):
		var b strings.Builder
		last := 0
		for _, p := range kvPairs(d) {
			if isPasswordKey(p.key) {
				b.WriteString(d[last:p.start])
				b.WriteString(masked)
				last = p.end
			}
		}
		b.WriteString(d[last:])
		return b.String()
	case strings.Contains(d, "://"): // Postgres, or a URL history.DSN does not take
		u, err := url.Parse(d)
		if err != nil {
			if IsPostgres(d) {
				return "postgres://(unparsable URL)"
			}
			return "(unparsable URL)"
		}
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), masked)
		}
		q := u.Query()
		for k := range q {
			if isPasswordKey(k) {
				q.Set(k, masked)
				u.RawQuery = q.Encode()
			}
		}
		return u.String()
	case !plausiblePath(d):
		return notShown
	}
	return dsn
}

// notShown stands for a PRODREADY_DB that is neither a Postgres string nor
// a file path: nothing of it is shown, since it may hold a password.
const notShown = "(not a file path or a Postgres connection string; not shown)"

// RedactIn masks, in s (an error from a driver, say), every spelling of
// dsn's passwords.
func RedactIn(s, dsn string) string {
	for _, sec := range Secrets(dsn) {
		s = strings.ReplaceAll(s, sec, masked)
	}
	return s
}

// CheckDSN checks that a Postgres PRODREADY_DB can be read, without
// connecting. Its error never quotes the value: it may hold a password.
func CheckDSN(dsn string) error {
	d := strings.TrimSpace(dsn)
	switch {
	case isKeyValue(d):
		if _, err := pgx.ParseConfig(d); err != nil {
			return fmt.Errorf("history.DSN is not a valid Postgres key=value string (host=… user=… dbname=…): %s", RedactIn(err.Error(), d))
		}
		return nil
	case IsPostgres(d):
		u, err := url.Parse(d)
		if err != nil || u.Host == "" {
			return errors.New("history.DSN is not a valid postgres://user:password@host:port/database URL (value not shown: it may hold a password)")
		}
	case strings.Contains(d, "://"):
		return errors.New("history.DSN is a URL, but not a postgres:// one: it takes a SQLite file path or a postgres:// URL (value not shown: it may hold a password)")
	case !plausiblePath(d):
		return errors.New("history.DSN is neither a SQLite file path nor a Postgres connection string (a postgres:// URL, or libpq's key=value form starting with one of its parameters, such as host=): value not shown, it may hold a password")
	}
	return nil
}
