package main

import (
	"fmt"
	"io"
	"os"

	"github.com/prodready/prodready/scorecard"
)

// readInitiatives reads PRODREADY_INITIATIVES against the scorecards;
// findings go to w, and ok is false when the file cannot be read or has
// an error.
func readInitiatives(w io.Writer, path string, scs []*scorecard.Scorecard) (scorecard.InitiativeFile, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(w, "prodready: PRODREADY_INITIATIVES: %v\n", err)
		return scorecard.InitiativeFile{}, false
	}
	f, findings := scorecard.ParseInitiatives(path, data, scs)
	// Announcements are checked by Announce, against each set of scorecards.
	for _, fd := range findings {
		if fd.Severity == scorecard.Error {
			fmt.Fprintln(w, fd)
		}
	}
	if len(findings.Errors()) > 0 {
		fmt.Fprintln(w, "prodready: fix PRODREADY_INITIATIVES (errors above)")
		return f, false
	}
	return f, true
}
