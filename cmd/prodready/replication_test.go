package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/history/historytest"
)

// serveChild is a `prodready serve` process: this test binary running
// TestServeChildProcess, which is main's serve.
type serveChild struct {
	cmd     *exec.Cmd
	logs    *lockedBuffer
	exited  chan struct{} // closed when the process has exited
	waitErr error         // how, once exited is closed
}

func startServeChild(t *testing.T, vars map[string]string) *serveChild {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL needs a Unix")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChildProcess$")
	env := []string{"PRODREADY_SERVE_CHILD=1", "PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TZ=UTC"}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	cmd.Env = env
	c := &serveChild{cmd: cmd, logs: &lockedBuffer{}, exited: make(chan struct{})}
	cmd.Stderr, cmd.Stdout = c.logs, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.waitErr = cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-c.exited
	})
	return c
}

var leadsRe = regexp.MustCompile(`now runs the scheduled jobs`)

// TestServeReplicasOneLeader: three serve processes on one Postgres schema
// all answer slash commands; exactly one runs the scheduled jobs. It is
// killed with SIGKILL, and another takes over within the poll interval.
func TestServeReplicasOneLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three serve processes")
	}
	dsn := historytest.PostgresDSN(t)
	emu := slackemu.New(t)
	// PRODREADY_TEST_LEADER_POLL measures the takeover at another poll
	// interval (the default one: 5s).
	poll := 500 * time.Millisecond
	if v := os.Getenv("PRODREADY_TEST_LEADER_POLL"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("PRODREADY_TEST_LEADER_POLL=%q: %v", v, err)
		}
		poll = d
	}
	vars := map[string]string{
		"PRODREADY_DB":          dsn,
		"PRODREADY_LEADER_POLL": poll.String(),
		"PRODREADY_LISTEN_ADDR": "127.0.0.1:0",
		"SLACK_SIGNING_SECRET":  emu.SigningSecret(),
		"SLACK_API_URL":         emu.URL(),
	}
	replicas := make([]*serveChild, 3)
	addrs := make([]string, 3)
	for i := range replicas {
		replicas[i] = startServeChild(t, vars)
		addrs[i] = replicas[i].logs.waitFor(t, regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`))[1]
	}
	for i, r := range replicas {
		r.logs.waitFor(t, regexp.MustCompile(`msg="evaluation refreshed"`))
		reply, err := emu.SendSlashCommand(context.Background(), "http://"+addrs[i]+"/slack/commands", slackemu.SlashCommand{Text: "payments-api"})
		if err != nil || reply.Status != http.StatusOK || reply.Message == nil || !strings.HasPrefix(reply.Message.Text, "payments-api:") {
			t.Fatalf("replica %d does not answer /prodready: %+v %v", i, reply, err)
		}
	}
	leaders := func() []int {
		var out []int
		for i, r := range replicas {
			if r != nil && len(leadsRe.FindAllString(r.logs.String(), -1)) > 0 {
				out = append(out, i)
			}
		}
		return out
	}
	deadline := time.Now().Add(10 * time.Second)
	for len(leaders()) == 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(3 * poll) // time for a second leader to appear, if it could
	first := leaders()
	if len(first) != 1 {
		t.Fatalf("replicas %v lead; want exactly one", first)
	}
	old := first[0]
	for i, r := range replicas {
		if i != old && !strings.Contains(r.logs.String(), "another replica runs the scheduled jobs") {
			t.Errorf("follower %d does not say it follows:\n%s", i, r.logs)
		}
	}

	killed := time.Now()
	if err := replicas[old].cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-replicas[old].exited
	replicas[old] = nil
	var next []int
	for time.Since(killed) < 30*time.Second {
		if next = leaders(); len(next) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	took := time.Since(killed)
	if len(next) == 0 {
		t.Fatalf("no replica took over within 30s of the leader's SIGKILL")
	}
	t.Logf("replica %d killed with SIGKILL; replica %d took over in %v (PRODREADY_LEADER_POLL=%v)", old, next[0], took.Round(time.Millisecond), poll)
	// One poll, plus room for a loaded CI machine running -race.
	if took > poll+5*time.Second {
		t.Errorf("takeover took %v; want about one poll (%v)", took, poll)
	}
	time.Sleep(3 * poll)
	if now := leaders(); len(now) != 1 {
		t.Fatalf("after the takeover replicas %v lead; want exactly one", now)
	}
	// The survivors still answer.
	for i, r := range replicas {
		if r == nil {
			continue
		}
		reply, err := emu.SendSlashCommand(context.Background(), "http://"+addrs[i]+"/slack/commands", slackemu.SlashCommand{Text: "checkout web"})
		if err != nil || reply.Status != http.StatusOK {
			t.Errorf("replica %d after the takeover: %+v %v", i, reply, err)
		}
	}
}

// TestServeSecondProcessOnSQLite: a second serve on the same SQLite file
// is refused, exits 2, and says which process holds the database.
func TestServeSecondProcessOnSQLite(t *testing.T) {
	db := filepath.Join(t.TempDir(), "history.db")
	vars := map[string]string{"PRODREADY_DB": db, "PRODREADY_LISTEN_ADDR": "127.0.0.1:0", "SLACK_SIGNING_SECRET": "s3cret-signing"}
	first := startServeChild(t, vars)
	first.logs.waitFor(t, leadsRe)
	second := startServeChild(t, vars)
	select {
	case <-second.exited:
		err := second.waitErr
		var code int
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		out := second.logs.String()
		if code != exitUsage {
			t.Errorf("second serve exited %v, want %d:\n%s", err, exitUsage, out)
		}
		for _, want := range []string{"another prodready serve uses this database", fmt.Sprintf("pid %d", first.cmd.Process.Pid), db + ".leader.lock", "Postgres"} {
			if !strings.Contains(out, want) {
				t.Errorf("second serve's message lacks %q:\n%s", want, out)
			}
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("a second serve on %s is still running:\n%s", db, second.logs)
	}
}
