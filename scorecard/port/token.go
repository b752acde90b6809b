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

// accessToken returns the cached token, or renews it. Concurrent callers
// share one renewal; each waits only as long as its own context allows.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil { // do not start a renewal nobody waits for
		return "", fmt.Errorf("get an access token: %w", context.Cause(ctx))
	}
	c.mu.Lock()
	if c.token != "" && c.now().Before(c.renewAt) {
		t := c.token
		c.mu.Unlock()
		return t, nil
	}
	r := c.renewing
	if r == nil {
		r = &renewal{done: make(chan struct{})}
		c.renewing = r
		// Detached from the first caller's context: its cancellation must not
		// fail the renewal for the others. The retry budget bounds it.
		go c.renew(context.WithoutCancel(ctx), r)
	}
	c.mu.Unlock()
	select {
	case <-r.done:
		return r.token, r.err
	case <-ctx.Done():
		return "", fmt.Errorf("get an access token: %w", context.Cause(ctx))
	}
}

// invalidate drops tok after Port refused it, unless it was already replaced.
func (c *Client) invalidate(tok string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token == tok && tok != "" {
		c.spent = append(c.spent, tok)
		c.token = ""
	}
}

type tokenResponse struct {
	OK          *bool   `json:"ok"`
	AccessToken string  `json:"accessToken"`
	ExpiresIn   float64 `json:"expiresIn"`
	TokenType   string  `json:"tokenType"`
}

func (c *Client) renew(ctx context.Context, r *renewal) {
	issued := c.now()
	tok, ttl, err := c.fetchToken(ctx)
	c.mu.Lock()
	if err == nil {
		if c.token != "" {
			c.spent = append(c.spent, c.token)
		}
		if len(c.spent) > 8 {
			c.spent = c.spent[len(c.spent)-8:]
		}
		c.token = tok
		// Renew a little before Port's expiry so that no request carries a
		// token that dies on the way: a tenth of its life, at most 5 minutes.
		margin := min(ttl/10, 5*time.Minute)
		c.renewAt = issued.Add(ttl - margin)
	}
	c.renewing = nil
	r.token, r.err = tok, err
	c.mu.Unlock()
	close(r.done)
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
			return "", 0, fmt.Errorf("get an access token (check PORT_CLIENT_ID and PORT_CLIENT_SECRET): %w", err)
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
