package main

import (
	"os"
	"runtime/debug"
	"strings"
)

// tuneGC sets how much the heap of a check over a catalog file may grow
// before it is collected. Nearly all of a check's heap is the catalog,
// decoded once and kept: the default (collect each time the heap doubles)
// marks that catalog again and again while it is decoded, a fifth of a
// 10,000-service check. Instead the heap may grow to 4.5 times the file
// (the decoded catalog is about 3 to 4 times it), at least 64 MiB, and only
// then is collected: small catalogs are never collected, and a large one's
// peak memory stays near 5 times its file. A GOGC or GOMEMLIMIT the user
// set wins. The returned function restores the previous settings (for
// the tests, which run check in-process).
func tuneGC(getenv func(string) string, catalog string) (restore func()) {
	if catalog == "" || strings.TrimSpace(getenv("GOGC")) != "" || strings.TrimSpace(getenv("GOMEMLIMIT")) != "" {
		return func() {}
	}
	st, err := os.Stat(catalog)
	if err != nil {
		return func() {} // reading it will say what is wrong
	}
	limit := debug.SetMemoryLimit(max(st.Size()*9/2, 64<<20))
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
