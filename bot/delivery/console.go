package delivery

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// ConsoleNotifier prints messages as text instead of posting them: console
// mode (no SLACK_BOT_TOKEN) and dry runs. Files are written to ChartDir.
type ConsoleNotifier struct {
	W        io.Writer
	ChartDir string
	mu       sync.Mutex
}

// Name implements Notifier.
func (*ConsoleNotifier) Name() string { return "the console" }

// Records implements Notifier: nothing printed counts as sent.
func (*ConsoleNotifier) Records() bool { return false }

// Notify implements Notifier; the gate is not asked, nothing being posted.
func (c *ConsoleNotifier) Notify(_ context.Context, msgs []*Outgoing, _ Gate, done func(Delivered)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, m := range msgs {
		d := Delivered{Out: m, Channel: ConsoleDest}
		d.Err = c.print(m, &d)
		done(d)
	}
}

func (c *ConsoleNotifier) print(m *Outgoing, d *Delivered) error {
	if m.Heading != "" {
		fmt.Fprintln(c.W, m.Heading)
	}
	switch {
	case m.Digest != nil:
		if err := m.Digest.WriteText(c.W); err != nil {
			return err
		}
	case m.Notice != nil:
		if m.Where != "" {
			fmt.Fprintf(c.W, "--- to %s (%s)\n", m.Notice.Name(), m.Where)
		} else {
			fmt.Fprintf(c.W, "--- to %s\n", m.Notice.Name())
		}
		if err := m.Notice.WriteText(c.W); err != nil {
			return err
		}
	default:
		fmt.Fprintln(c.W, m.Text)
	}
	if m.File != nil {
		path := filepath.Join(c.ChartDir, m.File.Name)
		if err := os.WriteFile(path, m.File.Data, 0o644); err != nil {
			return fmt.Errorf("write chart: %w", err)
		}
		fmt.Fprintf(c.W, "\n%s: %s\n", m.File.Label, path)
		d.FilePath = path
	}
	return nil
}

// ConsoleDest is the destination of messages printed instead of posted.
const ConsoleDest = "console"
