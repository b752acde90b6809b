package github

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// authorization returns the Authorization header: the token, the App's JWT
// (jwt), or the cached installation token, renewed when it nears expiry.
// Concurrent callers share one renewal; each waits only as long as its own
// context allows.
func (c *Client) authorization(ctx context.Context, jwt bool) (string, error) {
	if c.cfg.App == nil {
		return "Bearer " + c.cfg.Token, nil
	}
	if jwt {
		tok, err := c.appJWT()
		if err != nil {
			return "", err
		}
		return "Bearer " + tok, nil
	}
	tok, err := c.tok.Get(ctx)
	if err != nil {
		return "", err
	}
	return "Bearer " + tok, nil
}

// invalidate drops tok after GitHub refused it, unless already replaced.
func (c *Client) invalidate(tok string) { c.tok.Invalidate(tok) }

// Permission is the installation token's level for a permission
// ("administration", "contents"): "read", "write", or "" when not granted.
// known is false for a personal token, whose permissions GitHub does not list.
func (c *Client) Permission(name string) (level string, known bool) {
	c.amu.Lock()
	defer c.amu.Unlock()
	if c.perms == nil {
		return "", false
	}
	return c.perms[name], true
}

type installationToken struct {
	Token       string            `json:"token"`
	ExpiresAt   time.Time         `json:"expires_at"`
	Permissions map[string]string `json:"permissions"`
}

// renew fetches an installation token, notes its permissions and says
// when to renew it: five minutes early (tokens live an hour), so that no
// request carries a token that dies on the way.
func (c *Client) renew(ctx context.Context) (string, time.Time, error) {
	tok, err := c.fetchInstallationToken(ctx)
	if err != nil {
		return "", time.Time{}, err
	}
	c.amu.Lock()
	c.perms = tok.Permissions
	if c.perms == nil {
		c.perms = map[string]string{}
	}
	c.amu.Unlock()
	return tok.Token, tok.ExpiresAt.Add(-5 * time.Minute), nil
}

func (c *Client) fetchInstallationToken(ctx context.Context) (installationToken, error) {
	path := "/app/installations/" + strconv.FormatInt(c.cfg.App.InstallationID, 10) + "/access_tokens"
	resp, err := c.do(ctx, request{method: http.MethodPost, url: path, jwt: true})
	if err != nil {
		switch StatusOf(err) {
		case http.StatusUnauthorized:
			return installationToken{}, &AuthError{Msg: "GitHub refused the App's credentials (check github.Config.App.ID and github.Config.App.Key)", Err: err}
		case http.StatusNotFound, http.StatusForbidden:
			return installationToken{}, &AuthError{Msg: fmt.Sprintf("GitHub has no installation %d of App %d (check github.Config.App.InstallationID)", c.cfg.App.InstallationID, c.cfg.App.ID), Err: err}
		}
		return installationToken{}, &AuthError{Msg: "get an installation token", Err: err}
	}
	var tok installationToken
	if err := json.Unmarshal(resp.body, &tok); err != nil {
		return installationToken{}, fmt.Errorf("get an installation token: POST %s: the answer is not JSON: %v", path, c.redact(err.Error()))
	}
	if tok.Token == "" || tok.ExpiresAt.IsZero() {
		return installationToken{}, fmt.Errorf("get an installation token: POST %s: the answer has no token or expires_at", path)
	}
	return tok, nil
}

// appJWT signs the App's JSON Web Token (RS256), valid ten minutes less a
// minute of clock skew each side, as GitHub requires.
func (c *Client) appJWT() (string, error) {
	now := c.now()
	claims := jwt.RegisteredClaims{
		IssuedAt:  jwt.NewNumericDate(now.Add(-time.Minute)),
		ExpiresAt: jwt.NewNumericDate(now.Add(9 * time.Minute)),
		Issuer:    strconv.FormatInt(c.cfg.App.ID, 10),
	}
	tok, err := jwt.NewWithClaims(jwt.SigningMethodRS256, claims).SignedString(c.cfg.App.Key)
	if err != nil {
		return "", fmt.Errorf("sign the GitHub App's JWT with github.Config.App.Key: %w", err)
	}
	c.tok.Spend(tok)
	return tok, nil
}
