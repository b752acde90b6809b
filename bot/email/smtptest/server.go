// Package smtptest is an SMTP server for tests: it listens on loopback,
// offers STARTTLS or implicit TLS with a certificate of its own, asks for
// a password when told to, and keeps what it receives.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Options say how the server behaves.
type Options struct {
	// Username and Password, when set, are required (AUTH PLAIN).
	Username, Password string
	// StartTLS offers STARTTLS; ImplicitTLS speaks TLS from the first byte
	// (smtps).
	StartTLS, ImplicitTLS bool
}

// Message is one message as received.
type Message struct {
	From string
	To   []string
	Data []byte
	TLS  bool // the session was encrypted
	Auth string
}

// Server is a running test SMTP server.
type Server struct {
	opts Options
	srv  *smtp.Server
	ln   net.Listener
	cert *x509.Certificate

	mu       sync.Mutex
	msgs     []Message
	arrived  chan struct{}
	failNext []*smtp.SMTPError
}

// Start starts a server and stops it when the test ends.
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// New starts a server on a loopback port.
func New(opts Options) (*Server, error) {
	s := &Server{opts: opts, arrived: make(chan struct{}, 1024)}
	var tlsConf *tls.Config
	if opts.StartTLS || opts.ImplicitTLS {
		cert, leaf, err := selfSigned()
		if err != nil {
			return nil, err
		}
		s.cert = leaf
		tlsConf = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(c *smtp.Conn) (smtp.Session, error) {
		_, tlsOn := c.TLSConnectionState()
		return &session{s: s, tls: tlsOn}, nil
	}))
	s.srv.Domain = "localhost"
	s.srv.ReadTimeout = 10 * time.Second
	s.srv.WriteTimeout = 10 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.AllowInsecureAuth = !opts.StartTLS && !opts.ImplicitTLS
	s.srv.ErrorLog = discardLogger{}
	if opts.StartTLS {
		s.srv.TLSConfig = tlsConf
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	if opts.ImplicitTLS {
		ln = tls.NewListener(ln, tlsConf)
	}
	s.ln = ln
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// URL is the smtp:// (or smtps://) URL of the server, with the
// credentials given.
func (s *Server) URL(user, pass string) string {
	scheme := "smtp"
	if s.opts.ImplicitTLS {
		scheme = "smtps"
	}
	u := url.URL{Scheme: scheme, Host: s.ln.Addr().String()}
	if user != "" {
		u.User = url.UserPassword(user, pass)
	}
	return u.String()
}

// NeedsLogin reports whether the server asks for a username and password.
func (s *Server) NeedsLogin() bool { return s.opts.Username != "" }

// Port is the port it listens on.
func (s *Server) Port() int {
	_, p, _ := net.SplitHostPort(s.ln.Addr().String())
	n, _ := strconv.Atoi(p)
	return n
}

// ClientTLS is a client configuration that trusts the server's certificate.
func (s *Server) ClientTLS() *tls.Config {
	pool := x509.NewCertPool()
	if s.cert != nil {
		pool.AddCert(s.cert)
	}
	return &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// FailNext makes the next DATA commands fail with these SMTP codes, in
// order (421 and 451 are temporary, 550 and 554 permanent).
func (s *Server) FailNext(codes ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range codes {
		s.failNext = append(s.failNext, &smtp.SMTPError{Code: c, Message: "test failure " + strconv.Itoa(c)})
	}
}

// Messages returns what has arrived so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Wait waits until n messages have arrived in all, or d passes.
func (s *Server) Wait(n int, d time.Duration) ([]Message, error) {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		if m := s.Messages(); len(m) >= n {
			return m, nil
		}
		select {
		case <-s.arrived:
		case <-deadline.C:
			return s.Messages(), fmt.Errorf("%d of %d messages after %s", len(s.Messages()), n, d)
		}
	}
}

type session struct {
	s    *Server
	tls  bool
	auth string
	from string
	to   []string
}

func (x *session) AuthMechanisms() []string {
	if x.s.opts.Username == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (x *session) Auth(mech string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != x.s.opts.Username || pass != x.s.opts.Password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		x.auth = user
		return nil
	}), nil
}

func (x *session) Mail(from string, _ *smtp.MailOptions) error {
	if x.s.opts.Username != "" && x.auth == "" {
		return smtp.ErrAuthRequired
	}
	x.from = from
	return nil
}

func (x *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = append(x.to, to)
	return nil
}

func (x *session) Data(r io.Reader) error {
	var b bytes.Buffer
	if _, err := io.Copy(&b, r); err != nil {
		return err
	}
	s := x.s
	s.mu.Lock()
	if len(s.failNext) > 0 {
		err := s.failNext[0]
		s.failNext = s.failNext[1:]
		s.mu.Unlock()
		return err
	}
	s.msgs = append(s.msgs, Message{From: x.from, To: x.to, Data: b.Bytes(), TLS: x.tls, Auth: x.auth})
	s.mu.Unlock()
	select {
	case s.arrived <- struct{}{}:
	default:
	}
	return nil
}

func (x *session) Reset()        { x.from, x.to = "", nil }
func (x *session) Logout() error { return nil }

func selfSigned() (tls.Certificate, *x509.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "smtptest"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:     []string{"localhost"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, nil, errors.New("parse own certificate")
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, leaf, nil
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}
