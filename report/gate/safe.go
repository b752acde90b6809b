package gate

import "io"

// logData keeps catalog data on its line of the log: a line break in it
// is written as a workflow command's message escapes it (%0A), and so is
// '%', so that the escapes read back unambiguously.
func logData(s string) string { return ghData(s) }

// CommandSafe wraps a log stream so that no line of it can start a GitHub
// workflow command: the runner reads a command from any line of the log
// that starts with "::" after blanks, and a title from a catalog can hold
// a line break and "::error". A ':' that starts a line (after blanks) is
// written as %3A. The runner breaks lines at '\n' and at '\r'.
func CommandSafe(w io.Writer) io.Writer {
	if _, ok := w.(*commandSafe); ok {
		return w
	}
	return &commandSafe{w: w, start: true}
}

type commandSafe struct {
	w     io.Writer
	start bool // at the start of a line, or after its leading blanks
}

func (c *commandSafe) Write(p []byte) (int, error) {
	from := 0
	for i, b := range p {
		switch {
		case b == '\n' || b == '\r':
			c.start = true
		case c.start && (b == ' ' || b == '\t'):
		case c.start && b == ':':
			if _, err := c.w.Write(p[from:i]); err != nil {
				return from, err
			}
			if _, err := io.WriteString(c.w, "%3A"); err != nil {
				return i, err
			}
			from = i + 1
			c.start = false
		default:
			c.start = false
		}
	}
	if _, err := c.w.Write(p[from:]); err != nil {
		return from, err
	}
	return len(p), nil
}
