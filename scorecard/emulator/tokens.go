package emulator

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Grant is what a token allows, and until when.
type Grant struct {
	// Expires is when the token stops working; zero is never.
	Expires time.Time
	// Scopes are the token's grants, as the API names them
	// ({"contents": "read"}); nil for a token that may do anything.
	Scopes map[string]string
	// Subject is whom the token stands for, in the API's words
	// ("installation ID 7").
	Subject string
	issued  bool
}

// TokenState is what a token check found.
type TokenState int

// Token states.
const (
	TokenUnknown TokenState = iota // never issued, or malformed
	TokenExpired
	TokenValid
)

// Tokens are the credentials an emulator accepts: fixed ones (API keys,
// personal tokens) and ones it issues (access or installation tokens) that
// expire. Safe for concurrent use.
type Tokens struct {
	now    func() time.Time
	mu     sync.Mutex
	grants map[string]Grant
	issued int
}

// NewTokens accepts the fixed tokens; now is the emulator's clock.
func NewTokens(now func() time.Time, fixed ...string) *Tokens {
	t := &Tokens{now: now, grants: map[string]Grant{}}
	for _, tok := range fixed {
		t.grants[tok] = Grant{}
	}
	return t
}

// Issue accepts tok from now on, with its grant, and counts it as issued.
func (t *Tokens) Issue(tok string, g Grant) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g.issued = true
	t.grants[tok] = g
	t.issued++
}

// Check says whether tok is valid now, and with what grant.
func (t *Tokens) Check(tok string) (Grant, TokenState) {
	t.mu.Lock()
	defer t.mu.Unlock()
	g, ok := t.grants[tok]
	switch {
	case !ok:
		return Grant{}, TokenUnknown
	case !g.Expires.IsZero() && !t.now().Before(g.Expires):
		return g, TokenExpired
	}
	return g, TokenValid
}

// Expire makes tok expire now, if it is an issued one.
func (t *Tokens) Expire(tok string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if g, ok := t.grants[tok]; ok && g.issued {
		g.Expires = time.Unix(0, 0)
		t.grants[tok] = g
	}
}

// ExpireIssued makes every token issued so far expire now.
func (t *Tokens) ExpireIssued() {
	t.mu.Lock()
	defer t.mu.Unlock()
	for tok, g := range t.grants {
		if g.issued {
			g.Expires = time.Unix(0, 0)
			t.grants[tok] = g
		}
	}
}

// Issued counts the tokens issued.
func (t *Tokens) Issued() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.issued
}

// Credential reads the Authorization header under the first of schemes it
// carries: "Bearer" (matched in any case), "token", "Token token=".
func Credential(r *http.Request, schemes ...string) (string, bool) {
	h := strings.TrimSpace(r.Header.Get("Authorization"))
	for _, s := range schemes {
		if !strings.HasSuffix(s, "=") {
			s += " "
		}
		if len(h) > len(s) && strings.EqualFold(h[:len(s)], s) {
			return strings.TrimSpace(h[len(s):]), true
		}
	}
	return "", false
}

// RandomString is n random characters of base64url, for tokens and cursors.
func RandomString(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)[:n]
}
