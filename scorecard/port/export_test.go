package port

import "time"

// WithClock replaces time.Now for token expiry, so that tests can age tokens.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }
