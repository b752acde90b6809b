package port

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

const tokenPath = "/v1/auth/access_token"

// accessToken returns the cached token, or renews it (httpclient.Token).
func (c *Client) accessToken(ctx context.Context) (string, error) { return c.tok.Get(ctx) }

// invalidate drops tok after Port refused it, unless it was already replaced.
func (c *Client) invalidate(tok string) { c.tok.Invalidate(tok) }

type tokenResponse struct {
	OK          *bool   `json:"ok"`
	AccessToken string  `json:"accessToken"`
	ExpiresIn   float64 `json:"expiresIn"`
	TokenType   string  `json:"tokenType"`
}

// renew fetches a token and says when to renew it: a little before Port's
// expiry, so that no request carries a token that dies on the way (a tenth
// of its life, at most 5 minutes).
func (c *Client) renew(ctx context.Context) (string, time.Time, error) {
	issued := c.now()
	tok, ttl, err := c.fetchToken(ctx)
	return tok, issued.Add(ttl - min(ttl/10, 5*time.Minute)), err
}

func (c *Client) fetchToken(ctx context.Context) (string, time.Duration, error) {
	var tr tokenResponse
	err := c.do(ctx, request{method: http.MethodPost, path: tokenPath, body: map[string]string{
		"clientId": c.cfg.ClientID, "clientSecret": c.cfg.ClientSecret,
	}}, func(r io.Reader) error {
		tr = tokenResponse{}
		return json.NewDecoder(r).Decode(&tr)
	})
	if derr, bad := asBadAnswer(err); bad {
		return "", 0, fmt.Errorf("get an access token: POST %s: the answer is not JSON: %v", tokenPath, c.redact(derr.Error()))
	}
	if err != nil {
		if pe, ok := AsError(err); ok && (pe.Status == http.StatusUnauthorized || pe.Status == http.StatusForbidden || pe.Status == http.StatusNotFound || pe.Status == http.StatusUnprocessableEntity) {
			return "", 0, fmt.Errorf("get an access token (check port.Config.ClientID and port.Config.ClientSecret): %w", err)
		}
		return "", 0, fmt.Errorf("get an access token: %w", err)
	}
	switch {
	case tr.OK != nil && !*tr.OK:
		return "", 0, errors.New("get an access token: POST " + tokenPath + `: Port answered "ok": false`)
	case tr.AccessToken == "":
		return "", 0, errors.New("get an access token: POST " + tokenPath + ": the answer has no accessToken")
	case tr.ExpiresIn <= 0:
		return "", 0, fmt.Errorf("get an access token: POST %s: expiresIn is %v; it must be a positive number of seconds", tokenPath, tr.ExpiresIn)
	}
	return tr.AccessToken, time.Duration(tr.ExpiresIn * float64(time.Second)), nil
}
