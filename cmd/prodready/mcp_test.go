package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/prodready/prodready/bot/mcp"
	"github.com/prodready/prodready/bot/slackemu"
	"github.com/prodready/prodready/report/gate"
)

// TestMCPGetServiceAgreesWithCheckJSON is the acceptance of the MCP
// server: for every service of the demo, with an exemption in force,
// get_service gives the levels and failing rules `check --format json` gives.
func TestMCPGetServiceAgreesWithCheckJSON(t *testing.T) {
	dir := t.TempDir()
	exemptions := filepath.Join(dir, "exemptions.yaml")
	until := time.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly)
	if err := os.WriteFile(exemptions, []byte(`- service: payments-api
  scorecard: production_readiness
  rule: freshness_under_30
  until: `+until+`
  reason: migration
  by: alice
`), 0o600); err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"PRODREADY_EXEMPTIONS": exemptions}
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	if code := run(context.Background(), e, []string{"check", "--format", "json"}); code != exitOK {
		t.Fatalf("check exit %d: %s", code, errb.String())
	}
	var checked checkJSON
	if err := json.Unmarshal(out.Bytes(), &checked); err != nil {
		t.Fatal(err)
	}

	e = &env{stdout: &bytes.Buffer{}, stderr: &errb, getenv: func(k string) string { return vars[k] }}
	cfg, err := mcpConfig(e, sourceFlags{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	st, ct := sdk.NewInMemoryTransports()
	if _, err := mcp.NewServer(cfg).Connect(ctx, st, nil); err != nil {
		t.Fatal(err)
	}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()

	exempt := 0
	for _, ent := range checked.Entities {
		res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "get_service", Arguments: map[string]any{"service": ent.Identifier}})
		if err != nil || res.IsError {
			t.Fatalf("get_service %s: %v %v", ent.Identifier, err, res)
		}
		raw, _ := json.Marshal(res.StructuredContent)
		var got mcp.ServiceResult
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Scorecards) != len(ent.Scorecards) {
			t.Errorf("%s: %d scorecards, check has %d", ent.Identifier, len(got.Scorecards), len(ent.Scorecards))
		}
		for id, want := range ent.Scorecards {
			have, ok := got.Scorecards[id]
			if !ok {
				t.Errorf("%s: no %s", ent.Identifier, id)
				continue
			}
			if have.Level != want.Level {
				t.Errorf("%s %s: level %s, check says %s", ent.Identifier, id, have.Level, want.Level)
			}
			if a, b := failingOf(have.Rules), failingOfCheck(want.Rules); a != b {
				t.Errorf("%s %s: failing %s, check says %s", ent.Identifier, id, a, b)
			}
			for _, r := range have.Rules {
				if r.Exempt != nil {
					exempt++
				}
			}
		}
	}
	if len(checked.Entities) != 30 || exempt != 1 {
		t.Errorf("compared %d services with %d exempt rules; want the demo's 30 and 1", len(checked.Entities), exempt)
	}
}

func failingOf(rules []mcp.RuleResult) string {
	var ids []string
	for _, r := range rules {
		if r.Status == "FAILURE" {
			ids = append(ids, r.Identifier+reasonKey(r.Reasons))
		}
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

func failingOfCheck(rules []gate.RuleJSON) string {
	var ids []string
	for _, r := range rules {
		if r.Status == "FAILURE" {
			ids = append(ids, r.Identifier+reasonKey(r.Reasons))
		}
	}
	sort.Strings(ids)
	return strings.Join(ids, ",")
}

func reasonKey(rs []string) string { return "(" + strings.Join(rs, ";") + ")" }

func TestMCPCommandRefusesArguments(t *testing.T) {
	var out, errb bytes.Buffer
	e := &env{stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if code := run(context.Background(), e, []string{"mcp", "extra"}); code != exitUsage {
		t.Errorf("exit %d, want %d", code, exitUsage)
	}
	if out.Len() != 0 {
		t.Errorf("wrote to stdout, the protocol's channel: %q", out.String())
	}
}

// TestMCPOverStdio speaks the protocol to `prodready mcp` as a client
// started by an assistant would: line-delimited JSON-RPC on stdin/stdout.
func TestMCPOverStdio(t *testing.T) {
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	var errb bytes.Buffer
	e := &env{stdin: inR, stdout: outW, stderr: &errb, getenv: func(string) string { return "" }}
	done := make(chan int, 1)
	go func() { done <- run(context.Background(), e, []string{"mcp"}); outW.Close() }()

	lines := bufio.NewScanner(outR)
	lines.Buffer(make([]byte, 1<<20), 1<<24)
	send := func(msg string) {
		if _, err := io.WriteString(inW, msg+"\n"); err != nil {
			t.Fatal(err)
		}
	}
	recv := func() map[string]any {
		if !lines.Scan() {
			t.Fatalf("no answer: %v; stderr: %s", lines.Err(), errb.String())
		}
		var m map[string]any
		if err := json.Unmarshal(lines.Bytes(), &m); err != nil {
			t.Fatalf("%v in %q", err, lines.Text())
		}
		return m
	}
	send(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`)
	if m := recv(); m["error"] != nil {
		t.Fatalf("initialize: %v", m)
	}
	send(`{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	send(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_service","arguments":{"service":"payments-api"}}}`)
	m := recv()
	res, _ := m["result"].(map[string]any)
	sc, _ := res["structuredContent"].(map[string]any)
	if sc["identifier"] != "payments-api" {
		t.Fatalf("tools/call: %v", m)
	}
	send(`{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"get_service","arguments":{"service":"nope-api"}}}`)
	m = recv()
	if errObj, _ := m["error"].(map[string]any); errObj == nil || errObj["code"] != float64(-32602) || !strings.Contains(errObj["message"].(string), `argument "service"`) {
		t.Errorf("unknown service: %v", m)
	}
	inW.Close()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d: %s", code, errb.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("prodready mcp did not end when its input closed")
	}
}

// TestServeMCPEndpoint: with PRODREADY_MCP_TOKEN, serve answers MCP
// clients at /mcp behind the token, from the evaluation it holds, and
// counts the route in /metrics.
func TestServeMCPEndpoint(t *testing.T) {
	emu := slackemu.New(t)
	e := serveEnv(t, map[string]string{
		"SLACK_SIGNING_SECRET": emu.SigningSecret(), "SLACK_BOT_TOKEN": emu.BotToken(), "SLACK_API_URL": strings.TrimSuffix(emu.URL(), "/"),
		"PRODREADY_LISTEN_ADDR": "127.0.0.1:0", "PRODREADY_REFRESH_EVERY": "1h", "PRODREADY_MCP_TOKEN": "mcp-s3cret",
	})
	logs := e.stderr.(*lockedBuffer)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	code := make(chan int, 1)
	go func() { code <- runServe(ctx, e, nil) }()
	addr := logs.waitFor(t, regexp.MustCompile(`addr=(127\.0\.0\.1:\d+)`))[1]
	logs.waitFor(t, regexp.MustCompile(`msg="evaluation refreshed"`))
	base := "http://" + addr
	resp, err := http.Post(base+mcpPath, "application/json", strings.NewReader(`{"jsonrpc":"2.0","id":1,"method":"initialize"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("no token: %d, want 401", resp.StatusCode)
	}
	tr := &sdk.StreamableClientTransport{Endpoint: base + mcpPath, HTTPClient: &http.Client{Transport: bearerRT{"mcp-s3cret"}}}
	cs, err := sdk.NewClient(&sdk.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, tr, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := cs.CallTool(ctx, &sdk.CallToolParams{Name: "get_service", Arguments: map[string]any{"service": "payments-api"}})
	if err != nil || res.IsError {
		t.Fatalf("get_service: %v %v", err, res)
	}
	cs.Close()
	m, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(m.Body)
	m.Body.Close()
	for _, want := range []string{`prodready_http_requests_total{code="401",route="/mcp"}`, `prodready_http_requests_total{code="200",route="/mcp"}`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if strings.Contains(logs.String(), "mcp-s3cret") {
		t.Error("the log shows the MCP token")
	}
	cancel()
	<-code
}

type bearerRT struct{ token string }

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}
