package email

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/textproto"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// Message is one e-mail, in no transport's format.
type Message struct {
	To      []string
	Subject string
	Text    string // the plain-text alternative
	HTML    string
	Inline  []Inline
	// ID, when set, becomes the Message-ID (without the angle brackets):
	// a resent message keeps its ID, so mail clients show it once.
	ID string
}

// Inline is a part the HTML refers to as cid:ContentID (the chart).
type Inline struct {
	Name, ContentID, Type string
	Data                  []byte
}

// Mailer sends messages through one SMTP server.
type Mailer struct {
	server  Server
	from    *netmail.Address
	timeout time.Duration
}

// NewMailer returns a mailer sending as from through server.
func NewMailer(server Server, from *netmail.Address) *Mailer {
	return &Mailer{server: server, from: from, timeout: 30 * time.Second}
}

// SendError is a failed send, with whether trying again later may help
// (an SMTP 4xx, a connection that failed) or not (a 5xx: a refused
// recipient, a refused login).
type SendError struct {
	Temporary bool
	Err       error
}

func (e *SendError) Error() string { return e.Err.Error() }
func (e *SendError) Unwrap() error { return e.Err }

// Send delivers msg. Its errors never hold the password.
func (m *Mailer) Send(ctx context.Context, msg Message) error {
	if len(msg.To) == 0 {
		return &SendError{Err: errors.New("no recipient")}
	}
	gm, err := m.build(msg)
	if err != nil {
		return &SendError{Err: err}
	}
	c, err := gomail.NewClient(m.server.Host, m.options()...)
	if err != nil {
		return &SendError{Err: fmt.Errorf("smtp client for %s: %w", m.server, err)}
	}
	if err := c.DialAndSendWithContext(ctx, gm); err != nil {
		if errors.Is(err, gomail.ErrNoSupportedAuthDiscovered) || strings.Contains(err.Error(), "server does not support SMTP AUTH") {
			// go-mail will not send a password over a connection in the
			// clear with PLAIN or LOGIN: a setting to fix, not to retry.
			return &SendError{Err: fmt.Errorf("send to %s: the server offers no way to log in here (none at all, or none safe without TLS): use smtps://, a server that offers STARTTLS, or no user and password in the SMTP URL", m.server)}
		}
		return &SendError{Temporary: temporary(err), Err: fmt.Errorf("send to %s: %w", m.server, scrub(err, m.server.Password))}
	}
	return nil
}

func (m *Mailer) options() []gomail.Option {
	s := m.server
	tlsConf := s.TLSConfig
	if tlsConf == nil {
		tlsConf = &tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}
	}
	opts := []gomail.Option{
		gomail.WithPort(s.Port),
		gomail.WithTimeout(m.timeout),
		gomail.WithTLSConfig(tlsConf),
	}
	switch {
	case s.ImplicitTLS:
		opts = append(opts, gomail.WithSSL())
	case s.RequireTLS:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	default:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	}
	if s.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(s.Username), gomail.WithPassword(s.Password))
	}
	return opts
}

func (m *Mailer) build(msg Message) (*gomail.Msg, error) {
	gm := gomail.NewMsg()
	gm.FromMailAddress(m.from)
	if err := gm.To(msg.To...); err != nil {
		return nil, fmt.Errorf("recipients: %w", err)
	}
	gm.Subject(msg.Subject)
	gm.SetDate()
	if msg.ID != "" {
		gm.SetMessageIDWithValue(msg.ID)
	} else {
		gm.SetMessageID()
	}
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		gm.AddAlternativeString(gomail.TypeTextHTML, msg.HTML)
	}
	for _, in := range msg.Inline {
		if err := gm.EmbedReader(in.Name, bytes.NewReader(in.Data),
			gomail.WithFileContentID("<"+in.ContentID+">"),
			gomail.WithFileContentType(gomail.ContentType(in.Type))); err != nil {
			return nil, fmt.Errorf("inline %s: %w", in.Name, err)
		}
	}
	return gm, nil
}

// temporary says whether the server's answer invites a retry: a 4xx
// reply or a failed connection does; a 5xx reply (a refused login or
// recipient) does not.
func temporary(err error) bool {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code < 500
	}
	var se *gomail.SendError
	if errors.As(err, &se) {
		return se.IsTemp()
	}
	return true
}

// scrub keeps the password out of an error a server or library built,
// should one quote it back.
func scrub(err error, password string) error {
	if password == "" || !bytes.Contains([]byte(err.Error()), []byte(password)) {
		return err
	}
	return errors.New(string(bytes.ReplaceAll([]byte(err.Error()), []byte(password), []byte("xxxxx"))))
}
