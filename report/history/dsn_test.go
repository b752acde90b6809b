package history

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestDSNForms(t *testing.T) {
	for _, c := range []struct {
		dsn      string
		postgres bool
		redacted string
		secrets  []string // each must be found
	}{
		{"postgres://u:PG%2F6666@db/x", true, "postgres://u:xxxxx@db/x", []string{"PG%2F6666", "PG/6666"}},
		{"postgres://u@db/x?password=QP%207777&sslmode=disable", true, "postgres://u@db/x?password=xxxxx&sslmode=disable", []string{"QP%207777", "QP 7777"}},
		{"host=db user=p password=x1y2z3 dbname=p", true, "host=db user=p password=xxxxx dbname=p", []string{"x1y2z3"}},
		{"host=db password='it\\'s a secret' dbname=p", true, "host=db password=xxxxx dbname=p", []string{"'it\\'s a secret'", "it's a secret"}},
		{"  dbname = p password = pw-123456", true, "dbname = p password = xxxxx", []string{"pw-123456"}},
		{"/var/lib/prodready/history.db", false, "/var/lib/prodready/history.db", nil},
		{"./hostname=x.db", false, "./hostname=x.db", nil},
	} {
		if got := IsPostgres(c.dsn); got != c.postgres {
			t.Errorf("IsPostgres(%q) = %v", c.dsn, got)
		}
		if got := Redact(c.dsn); got != c.redacted {
			t.Errorf("Redact(%q) = %q, want %q", c.dsn, got, c.redacted)
		}
		got := Secrets(c.dsn)
		for _, s := range c.secrets {
			if !slices.Contains(got, s) {
				t.Errorf("Secrets(%q) = %q, lacks %q", c.dsn, got, s)
			}
			if strings.Contains(RedactIn("connect failed: "+c.dsn+" "+s, c.dsn), s) {
				t.Errorf("RedactIn leaves %q", s)
			}
		}
		if err := CheckDSN(c.dsn); err != nil {
			t.Errorf("CheckDSN(%q): %v", c.dsn, err)
		}
	}
	if err := CheckDSN("host=db password='unterminated-s3cret"); err == nil || strings.Contains(err.Error(), "unterminated-s3cret") {
		t.Errorf("CheckDSN of a broken key=value string: %v", err)
	}
}

// TestDSNEveryLibpqKeyword: a key=value string is Postgres whichever libpq
// parameter it starts with, so that its password is never taken for part
// of a SQLite file name (printed by config, made a file by run); a value
// that is neither a path nor a connection string is refused without
// showing any of it.
func TestDSNEveryLibpqKeyword(t *testing.T) {
	const pw = "s3cret-pw-9876"
	for _, first := range []string{"channel_binding=require", "sslrootcert=/etc/ca.pem", "fallback_application_name=prodready", "require_auth=scram-sha-256",
		"gssencmode=disable", "load_balance_hosts=random", "sslnegotiation=direct", "keepalives=1", "Host=db"} {
		dsn := first + " host=db user=p password=" + pw + " dbname=p"
		if !IsPostgres(dsn) {
			t.Errorf("IsPostgres(%q) = false: taken for a file path", dsn)
		}
		if r := Redact(dsn); strings.Contains(r, pw) {
			t.Errorf("Redact(%q) = %q", dsn, r)
		}
		if !slices.Contains(Secrets(dsn), pw) {
			t.Errorf("Secrets(%q) lacks the password", dsn)
		}
		if err := CheckDSN(dsn); err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("CheckDSN(%q) shows the password: %v", dsn, err)
		}
	}
	for _, dsn := range []string{
		"chanel_binding=require host=db password=" + pw, // a mistyped first key
		"hots=db password=" + pw,
		"mysql://u:" + pw + "@db/x",
		"./history.db\npassword=" + pw,
		"sqlite.db password=" + pw,
	} {
		err := CheckDSN(dsn)
		if err == nil {
			t.Errorf("CheckDSN(%q) accepted it", dsn)
			continue
		}
		if strings.Contains(err.Error(), pw) || strings.Contains(err.Error(), "db") && strings.Contains(err.Error(), "hots") {
			t.Errorf("CheckDSN(%q) shows part of it: %v", dsn, err)
		}
		if r := Redact(dsn); strings.Contains(r, pw) {
			t.Errorf("Redact(%q) = %q", dsn, r)
		}
		if !slices.Contains(Secrets(dsn), pw) {
			t.Errorf("Secrets(%q) = %q, lacks the password", dsn, Secrets(dsn))
		}
		dir := t.TempDir()
		t.Chdir(dir)
		if _, err := Open(t.Context(), dsn, Options{}); err == nil || strings.Contains(err.Error(), pw) {
			t.Errorf("Open(%q): %v", dsn, err)
		}
		if entries, _ := os.ReadDir(dir); len(entries) > 0 {
			t.Errorf("Open(%q) created %s", dsn, entries[0].Name())
		}
	}
	for _, path := range []string{"./prodready.db", "/var/lib/prodready/history.db", "./hostname=x.db", "C:\\data\\prodready.db", "my history.db"} {
		if err := CheckDSN(path); err != nil || Redact(path) != path || IsPostgres(path) {
			t.Errorf("a file path %q: CheckDSN %v, Redact %q, IsPostgres %v", path, err, Redact(path), IsPostgres(path))
		}
	}
}
