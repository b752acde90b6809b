// Package email delivers digests and team notices by e-mail: an HTML body
// with a plain-text alternative and the chart inline, sent over SMTP with
// github.com/wneessen/go-mail.
package email

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
)

// Server is an SMTP server to send through, read from a URL such as
// smtp://user:pass@host:587 (STARTTLS when the server offers it) or
// smtps://user:pass@host:465 (TLS from the first byte).
type Server struct {
	Host        string
	Port        int
	Username    string
	Password    string
	ImplicitTLS bool
	// RequireTLS refuses to send in the clear when the server offers no
	// STARTTLS: set by ?tls=required on the URL.
	RequireTLS bool
	// TLSConfig, when set, replaces the default (tests use it to trust
	// their own certificate).
	TLSConfig *tls.Config
}

// ParseServer reads an SMTP URL. Its errors never repeat the password.
func ParseServer(raw string) (Server, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// url's error quotes the whole value, password included.
		return Server{}, errors.New("not a URL: want smtp://user:pass@host:587 or smtps://user:pass@host:465")
	}
	var s Server
	switch u.Scheme {
	case "smtp":
	case "smtps":
		s.ImplicitTLS = true
	default:
		return Server{}, fmt.Errorf("scheme %q: want smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" || u.Host == "" {
		return Server{}, errors.New("no host: want smtp://user:pass@host:587")
	}
	if u.Path != "" && u.Path != "/" {
		return Server{}, fmt.Errorf("a path (%q) means nothing to SMTP", u.Path)
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return Server{}, errors.New("no host: want smtp://user:pass@host:587")
	}
	s.Port = 587
	if s.ImplicitTLS {
		s.Port = 465
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return Server{}, fmt.Errorf("port %q: want 1 to 65535", p)
		}
		s.Port = n
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return Server{}, fmt.Errorf("unknown parameter %q: the only one is tls=required", k)
		}
	}
	switch q.Get("tls") {
	case "":
	case "required":
		s.RequireTLS = true
	default:
		return Server{}, fmt.Errorf("tls=%q: the only value is required", q.Get("tls"))
	}
	return s, nil
}

// String is the server as a URL with the password masked, for logs and
// `prodready config`.
func (s Server) String() string {
	scheme := "smtp"
	if s.ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: net.JoinHostPort(s.Host, strconv.Itoa(s.Port))}
	if s.Username != "" {
		if s.Password != "" {
			u.User = url.UserPassword(s.Username, "xxxxx")
		} else {
			u.User = url.User(s.Username)
		}
	}
	if s.RequireTLS {
		u.RawQuery = "tls=required"
	}
	return u.String()
}

// ParseAddresses reads a comma-separated list of recipients.
func ParseAddresses(raw string) ([]string, error) {
	var out []string
	for _, part := range strings.Split(raw, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		a, err := mail.ParseAddress(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an e-mail address", part)
		}
		out = append(out, a.Address)
	}
	if len(out) == 0 {
		return nil, errors.New("no address")
	}
	return out, nil
}

// ParseAddress reads one sender address, with or without a display name.
func ParseAddress(raw string) (*mail.Address, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(raw))
	if err != nil {
		return nil, fmt.Errorf("%q is not an e-mail address", raw)
	}
	return a, nil
}
