package github_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
)

func httptestServer(t *testing.T, h http.Handler) string {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

func fmtv(v any) string { return fmt.Sprintf("%T %v", v, v) }
