package httpclient

import (
	"strings"
)

// Or sets *v to def when it is zero or negative: how a client's settings
// take their defaults.
func Or[T ~int | ~int64](v *T, def T) {
	if *v <= 0 {
		*v = def
	}
}

// BaseURL is raw without trailing slashes, or def when raw is empty.
func BaseURL(raw, def string) string {
	if raw == "" {
		raw = def
	}
	return strings.TrimRight(raw, "/")
}
