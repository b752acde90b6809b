package github

import (
	"crypto/rand"
	"crypto/rsa"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The App's JWT is RS256 with the claims GitHub requires: issued a minute
// back for clock skew, expiring within ten minutes, issued by the App.
func TestAppJWT(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	c, err := New(Config{BaseURL: "https://api.github.com", App: &App{ID: 42, InstallationID: 7, Key: key}}, WithClock(func() time.Time { return now }))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := c.appJWT()
	if err != nil {
		t.Fatal(err)
	}
	var claims jwt.RegisteredClaims
	tok, err := jwt.ParseWithClaims(raw, &claims, func(*jwt.Token) (any, error) { return &key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithTimeFunc(func() time.Time { return now }), jwt.WithIssuer("42"))
	if err != nil || !tok.Valid {
		t.Fatalf("the JWT does not verify: %v", err)
	}
	if !claims.IssuedAt.Equal(now.Add(-time.Minute)) || !claims.ExpiresAt.Equal(now.Add(9*time.Minute)) {
		t.Errorf("iat %v, exp %v; want a minute before and nine after %v", claims.IssuedAt, claims.ExpiresAt, now)
	}
	if got := c.redact("Bearer " + raw); got != "Bearer [redacted]" {
		t.Errorf("the JWT is not redacted: %q", got)
	}
}
