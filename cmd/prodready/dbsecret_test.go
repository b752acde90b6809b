package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDatabasePasswordNeverShown: whatever form PRODREADY_DB takes (a URL
// with a percent-encoded password, a ?password= parameter, libpq's
// key=value form), `config` and `run` print no spelling of the password,
// and a key=value string is taken for Postgres, not a SQLite file name.
func TestDatabasePasswordNeverShown(t *testing.T) {
	for _, tc := range []struct {
		name, db string
		secrets  []string
	}{
		{"percent-encoded", "postgres://u:PG%2F6666zz@127.0.0.1:1/db?connect_timeout=1", []string{"PG%2F6666zz", "PG/6666zz", "6666zz"}},
		{"query parameter", "postgres://u@127.0.0.1:1/db?password=QP7777zz&connect_timeout=1", []string{"QP7777zz"}},
		{"key=value", "host=127.0.0.1 port=1 user=p password=KV8888zz dbname=p connect_timeout=1", []string{"KV8888zz"}},
		{"key=value quoted", "host=127.0.0.1 port=1 user=p password='KV 9999zz' dbname=p connect_timeout=1", []string{"KV 9999zz", "9999zz"}},
		{"starts with channel_binding", "channel_binding=disable host=127.0.0.1 port=1 user=p password=CB1111zz dbname=p connect_timeout=1", []string{"CB1111zz"}},
		{"starts with sslrootcert", "sslrootcert=/nonexistent/ca.pem host=127.0.0.1 port=1 user=p password=RC2222zz dbname=p connect_timeout=1", []string{"RC2222zz"}},
		{"starts with fallback_application_name", "fallback_application_name=pr host=127.0.0.1 port=1 user=p password=FA3333zz dbname=p connect_timeout=1", []string{"FA3333zz"}},
		{"a mistyped first key", "hots=127.0.0.1 port=1 user=p password=MK4444zz dbname=p", []string{"MK4444zz", "hots=", "127.0.0.1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			vars := map[string]string{"PRODREADY_DB": tc.db}
			var out bytes.Buffer
			e := &env{stdout: &out, stderr: &out, getenv: func(k string) string { return vars[k] }}
			run(context.Background(), e, []string{"config"})
			if !strings.Contains(out.String(), "PRODREADY_DB") {
				t.Fatalf("config does not list PRODREADY_DB:\n%s", out.String())
			}
			code := run(context.Background(), e, []string{"run", "refresh"})
			if code == exitOK || !strings.Contains(out.String(), "history database") && !strings.Contains(out.String(), "prodready: bad configuration") {
				t.Errorf("run refresh should fail to reach the history database:\n%s", out.String())
			}
			for _, s := range tc.secrets {
				if strings.Contains(out.String(), s) {
					t.Errorf("output holds the password (%q):\n%s", s, out.String())
				}
			}
			files, _ := filepath.Glob(filepath.Join(dir, "*"))
			for _, f := range files {
				if st, err := os.Stat(f); err == nil && !st.IsDir() {
					t.Errorf("a file was created (PRODREADY_DB taken as a SQLite path?): %s", filepath.Base(f))
				}
			}
		})
	}
}

// TestBrokenDotenvNamesLineNotValue: a .env line with an unterminated
// quote is reported by file and line; the value (a secret) is not quoted.
func TestBrokenDotenvNamesLineNotValue(t *testing.T) {
	t.Chdir(t.TempDir())
	dotenv := "PRODREADY_TARGET_LEVEL=Gold\n# the bot's token\nSLACK_BOT_TOKEN=\"xoxb-ENV9999zz\nPRODREADY_REPORT_CHANNEL=C1\n"
	if err := os.WriteFile(".env", []byte(dotenv), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := loadDotenv()
	if err == nil {
		t.Fatal("a .env with an unterminated quote was accepted")
	}
	if msg := err.Error(); strings.Contains(msg, "ENV9999zz") || !strings.Contains(msg, ".env") || !strings.Contains(msg, "line 3") {
		t.Errorf("error should name .env and line 3, and not the value: %v", err)
	}
}
