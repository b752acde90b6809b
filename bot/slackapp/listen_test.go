package slackapp

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prodready/prodready/scorecard/demo"
)

type startCounter struct{ started atomic.Int32 }

func (c *startCounter) Start(context.Context)      { c.started.Add(1) }
func (c *startCounter) Stop(context.Context) error { return nil }

// An address that is taken fails Run before anything starts: no
// companion (the scheduled jobs, which would log that this replica runs
// them) for a process that is about to exit.
func TestRunListensBeforeStartingCompanions(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	for _, appToken := range []string{"", "xapp-1-test"} {
		c := &startCounter{}
		b, err := New(Config{Source: demo.Source{}, SigningSecret: "s3cret", AppToken: appToken, ListenAddr: taken.Addr().String()})
		if err != nil {
			t.Fatal(err)
		}
		b.AddCompanion(c)
		err = b.Run(context.Background())
		if err == nil || !strings.Contains(err.Error(), "slackapp.Config.ListenAddr") {
			t.Errorf("app token %q: Run on a taken address: %v", appToken, err)
		}
		if n := c.started.Load(); n != 0 {
			t.Errorf("app token %q: a companion was started %d times before the address failed", appToken, n)
		}
	}
}
