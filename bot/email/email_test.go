package email

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/email/smtptest"
	"github.com/prodready/prodready/report"
)

func TestParseServer(t *testing.T) {
	tests := []struct {
		raw     string
		want    Server
		masked  string
		wantErr string
	}{
		{raw: "smtp://bot:s3cret@mail.example.com:587", want: Server{Host: "mail.example.com", Port: 587, Username: "bot", Password: "s3cret"}, masked: "smtp://bot:xxxxx@mail.example.com:587"},
		{raw: "smtp://mail.example.com", want: Server{Host: "mail.example.com", Port: 587}, masked: "smtp://mail.example.com:587"},
		{raw: "smtps://bot:s3cret@mail.example.com", want: Server{Host: "mail.example.com", Port: 465, Username: "bot", Password: "s3cret", ImplicitTLS: true}, masked: "smtps://bot:xxxxx@mail.example.com:465"},
		{raw: "smtp://bot:s3cret@mail.example.com:25?tls=required", want: Server{Host: "mail.example.com", Port: 25, Username: "bot", Password: "s3cret", RequireTLS: true}, masked: "smtp://bot:xxxxx@mail.example.com:25?tls=required"},
		{raw: "http://bot:s3cret@mail.example.com", wantErr: `scheme "http"`},
		{raw: "smtp://bot:s3cret@mail.example.com:99999", wantErr: "port"},
		{raw: "smtp://bot:s3cret@:25", wantErr: "no host"},
		{raw: "smtp://bot:s3cret@mail.example.com/inbox", wantErr: "path"},
		{raw: "smtp://bot:s3cret@mail.example.com?tls=maybe", wantErr: "tls="},
		{raw: "smtp://bot:s3cret@mail.example.com?starttls=1", wantErr: "unknown parameter"},
		{raw: "smtp://bot:s3c%zzret@mail.example.com", wantErr: "not a URL"},
	}
	for _, tt := range tests {
		t.Run(tt.raw, func(t *testing.T) {
			got, err := ParseServer(tt.raw)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "s3c") {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if s := got.String(); s != tt.masked {
				t.Errorf("String() = %q, want %q", s, tt.masked)
			}
		})
	}
}

func TestParseAddresses(t *testing.T) {
	got, err := ParseAddresses(" cto@example.com, Platform <platform@example.com>,")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, ",") != "cto@example.com,platform@example.com" {
		t.Errorf("got %q", got)
	}
	for _, bad := range []string{"", " , ", "not-an-address", "a@example.com, b"} {
		if _, err := ParseAddresses(bad); err == nil {
			t.Errorf("ParseAddresses(%q) accepted", bad)
		}
	}
}

func hostileDigest() *report.Digest {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	return &report.Digest{
		Period: report.Period{Kind: report.Weekly, Key: "2026-W50"},
		Now:    now, Origin: "the embedded demo", Since: now.AddDate(0, 0, -7),
		Scorecards: []report.ScorecardDigest{{
			Identifier: "production_readiness", Title: "Production <b>Readiness</b>",
			Levels:   []report.LevelCount{{Level: "Basic", Count: 1, Change: -1}, {Level: "Gold", Count: 2, Change: 1}},
			Services: 3, Target: "Gold", AtTarget: 2, Share: 2.0 / 3, PrevShare: 1.0 / 3, HasPrev: true,
			Teams:    []report.TeamRow{{Team: "pay", Name: `<script>alert("x")</script>`, Services: 3, Mix: []int{1, 2}, AtTarget: 2, Share: 2.0 / 3, Change: 1.0 / 3, HasPrev: true}},
			Promoted: []report.Move{{Service: report.EntityRef{Identifier: "payments-api", Title: "Payments & <Co>"}, From: "Basic", To: "Gold"}},
		}},
	}
}

func TestDigestRendersEscapedHTMLAndText(t *testing.T) {
	d := hostileDigest()
	msg, err := Digest(d, &Chart{Name: "chart.png", AltText: `level mix "8 weeks"`, Data: []byte("\x89PNG fake")}, []string{"cto@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject != "Weekly production-readiness digest, 2026-W50" {
		t.Errorf("subject %q", msg.Subject)
	}
	for _, raw := range []string{"<script>", "<b>Readiness", "<Co>"} {
		if strings.Contains(msg.HTML, raw) {
			t.Errorf("HTML carries %q unescaped", raw)
		}
	}
	for _, want := range []string{"&lt;script&gt;", "Payments &amp; &lt;Co&gt;", `src="cid:chart@prodready"`, "At or above Gold: 2 of 3 (67%)"} {
		if !strings.Contains(msg.HTML, want) {
			t.Errorf("HTML lacks %q", want)
		}
	}
	if !strings.Contains(msg.Text, "Payments & <Co>: Basic → Gold") {
		t.Errorf("plain text lacks the move:\n%s", msg.Text)
	}
	if len(msg.Inline) != 1 || msg.Inline[0].ContentID != chartCID {
		t.Errorf("inline parts %+v", msg.Inline)
	}
}

func TestNoticeSubjectIsOneLine(t *testing.T) {
	n := &report.Notice{Team: "pay", TeamName: "Pay\r\nBcc: victim@example.com", Services: []report.NoticeService{{
		Service:    report.EntityRef{Identifier: "payments-api", URL: "javascript:alert(1)"},
		Scorecards: []report.NoticeStanding{{Title: "PR", Level: "Basic", Target: "Silver", Fix: []report.NoticeRule{{Title: "Has a README", Level: "Bronze", Description: "readme is not set"}}}},
	}}}
	msg, err := Notice(n, []string{"lead@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		t.Errorf("subject spans lines: %q", msg.Subject)
	}
	if strings.Contains(msg.HTML, "javascript:") {
		t.Error("a javascript: link from the catalog reached the HTML")
	}
	if !strings.Contains(msg.Text, "Has a README (Bronze): readme is not set") {
		t.Errorf("text:\n%s", msg.Text)
	}
}

// parts reads a received message into its MIME parts by content type.
func parts(t *testing.T, raw []byte) (hdr mail.Header, byType map[string][]byte, cids map[string]string) {
	t.Helper()
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	byType, cids = map[string][]byte{}, map[string]string{}
	var walk func(ct string, r io.Reader, h map[string][]string)
	walk = func(ct string, r io.Reader, h map[string][]string) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if strings.HasPrefix(mt, "multipart/") {
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err == io.EOF {
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				walk(p.Header.Get("Content-Type"), decode(t, p.Header.Get("Content-Transfer-Encoding"), p), p.Header)
			}
		}
		b, _ := io.ReadAll(r)
		byType[mt] = b
		if id := first(h["Content-Id"]); id != "" {
			cids[mt] = id
		}
	}
	walk(m.Header.Get("Content-Type"), decode(t, m.Header.Get("Content-Transfer-Encoding"), m.Body), m.Header)
	return m.Header, byType, cids
}

func first(s []string) string {
	if len(s) == 0 {
		return ""
	}
	return s[0]
}

func TestMailerSendsAlternativesAndInlineChart(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts smtptest.Options
	}{
		{"starttls", smtptest.Options{Username: "bot", Password: "s3cret", StartTLS: true}},
		{"implicit tls", smtptest.Options{Username: "bot", Password: "s3cret", ImplicitTLS: true}},
		{"plain, no auth", smtptest.Options{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := smtptest.Start(t, tc.opts)
			server, err := ParseServer(srv.URL(tc.opts.Username, tc.opts.Password))
			if err != nil {
				t.Fatal(err)
			}
			server.TLSConfig = srv.ClientTLS()
			from, _ := ParseAddress("prodready <prodready@example.com>")
			msg, err := Digest(hostileDigest(), &Chart{Name: "chart.png", Data: []byte("\x89PNG fake chart")}, []string{"cto@example.com", "vp@example.com"})
			if err != nil {
				t.Fatal(err)
			}
			msg.ID = "digest-2026-W50@prodready"
			if err := NewMailer(server, from).Send(context.Background(), msg); err != nil {
				t.Fatal(err)
			}
			got, err := srv.Wait(1, 10*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			m := got[0]
			if strings.Join(m.To, ",") != "cto@example.com,vp@example.com" || m.From != "prodready@example.com" {
				t.Errorf("envelope from %q to %q", m.From, m.To)
			}
			if want := tc.opts.StartTLS || tc.opts.ImplicitTLS; m.TLS != want {
				t.Errorf("TLS = %v, want %v", m.TLS, want)
			}
			if m.Auth != tc.opts.Username {
				t.Errorf("authenticated as %q, want %q", m.Auth, tc.opts.Username)
			}
			hdr, byType, cids := parts(t, m.Data)
			if hdr.Get("Message-Id") != "<digest-2026-W50@prodready>" {
				t.Errorf("Message-ID %q", hdr.Get("Message-Id"))
			}
			if !strings.Contains(string(byType["text/plain"]), "Payments & <Co>: Basic → Gold") {
				t.Errorf("text part: %q", byType["text/plain"])
			}
			if !strings.Contains(string(byType["text/html"]), `cid:chart@prodready`) {
				t.Errorf("html part lacks the chart reference")
			}
			if string(byType["image/png"]) != "\x89PNG fake chart" || cids["image/png"] != "<chart@prodready>" {
				t.Errorf("chart part %q with Content-ID %q", byType["image/png"], cids["image/png"])
			}
		})
	}
}

func TestMailerErrors(t *testing.T) {
	srv := smtptest.Start(t, smtptest.Options{Username: "bot", Password: "s3cret", StartTLS: true})
	from, _ := ParseAddress("prodready@example.com")
	msg := Text("hello", "body", []string{"cto@example.com"})

	t.Run("wrong password is permanent and not shown", func(t *testing.T) {
		server, _ := ParseServer(srv.URL("bot", "wrong-pass"))
		server.TLSConfig = srv.ClientTLS()
		err := NewMailer(server, from).Send(context.Background(), msg)
		var se *SendError
		if !errors.As(err, &se) || se.Temporary {
			t.Fatalf("err = %v, want a permanent SendError", err)
		}
		if strings.Contains(err.Error(), "wrong-pass") {
			t.Errorf("error shows the password: %v", err)
		}
	})
	t.Run("4xx is temporary, 5xx permanent", func(t *testing.T) {
		server, _ := ParseServer(srv.URL("bot", "s3cret"))
		server.TLSConfig = srv.ClientTLS()
		m := NewMailer(server, from)
		srv.FailNext(451, 554)
		var se *SendError
		if err := m.Send(context.Background(), msg); !errors.As(err, &se) || !se.Temporary {
			t.Errorf("451: err = %v, want temporary", err)
		}
		if err := m.Send(context.Background(), msg); !errors.As(err, &se) || se.Temporary {
			t.Errorf("554: err = %v, want permanent", err)
		}
		if err := m.Send(context.Background(), msg); err != nil {
			t.Errorf("after the failures: %v", err)
		}
	})
	t.Run("no STARTTLS with tls=required is refused", func(t *testing.T) {
		plain := smtptest.Start(t, smtptest.Options{})
		server, _ := ParseServer(plain.URL("", "") + "?tls=required")
		if err := NewMailer(server, from).Send(context.Background(), msg); err == nil {
			t.Error("sent in the clear although tls=required")
		}
		if n := len(plain.Messages()); n != 0 {
			t.Errorf("%d messages arrived", n)
		}
	})
}

func decode(t *testing.T, cte string, r io.Reader) io.Reader {
	t.Helper()
	switch strings.ToLower(cte) {
	case "base64":
		return base64Reader(r)
	case "quoted-printable":
		return qpReader(r)
	}
	return r
}
