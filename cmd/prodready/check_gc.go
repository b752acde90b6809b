package main

import (
	"os"
	"runtime/debug"
	"strings"
)

// tuneGC sets how much the heap of a check over a catalog file may grow
// before it is collected: to the file's size times factor, plus extra
// bytes (at least floor), and only then. The default (collect each time the heap doubles)
// marks the same long-lived data again and again while garbage piles up
// around it:
//
//   - read whole (factor 4.5, at least 64 MiB): nearly all of the heap is
//     the catalog, decoded once and kept (about 3 to 4 times the file);
//     small catalogs are never collected, and a large one's peak memory
//     stays near 5 times its file;
//   - streamed (factor 2, plus 16 MiB, at least 32 MiB): the heap holds
//     the file and a few pieces in flight; the rest is garbage of pieces
//     already written, so a collection is cheap. A higher limit costs
//     more than the collections it saves: each new page of heap is a page
//     fault (a 10,000-service check took 0.11 s with 64 MiB, 0.09 s with
//     32 MiB; docs/performance.md).
//
// A GOGC or GOMEMLIMIT the user set wins. The returned function restores
// the previous settings (for the tests, which run check in-process).
func tuneGC(getenv func(string) string, catalog string, factor float64, extra, floor int64) (restore func()) {
	if catalog == "" || strings.TrimSpace(getenv("GOGC")) != "" || strings.TrimSpace(getenv("GOMEMLIMIT")) != "" {
		return func() {}
	}
	st, err := os.Stat(catalog)
	if err != nil {
		return func() {} // reading it will say what is wrong
	}
	limit := debug.SetMemoryLimit(max(int64(float64(st.Size())*factor)+extra, floor))
	percent := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(percent)
		debug.SetMemoryLimit(limit)
	}
}
