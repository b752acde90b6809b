package history

import (
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
