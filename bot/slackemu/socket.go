package slackemu

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

// Ack is what the app sent back on the Socket Mode connection for one envelope.
type Ack struct {
	EnvelopeID string          `json:"envelope_id"`
	Payload    json.RawMessage `json:"payload,omitempty"`
}

type socketConn struct {
	ws *websocket.Conn
	mu sync.Mutex // gorilla allows one writer at a time
}

func (c *socketConn) write(v any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

func (s *Server) openConnection(req *apiRequest) answer {
	ticket := randHex(16)
	s.tickets()[ticket] = true
	ws := "ws" + strings.TrimPrefix(s.srv.URL, "http") + "/socket/" + ticket
	return ok(map[string]any{"url": ws})
}

// tickets holds the websocket paths apps.connections.open handed out; s.mu held.
func (s *Server) tickets() map[string]bool {
	if s.wsTickets == nil {
		s.wsTickets = map[string]bool{}
	}
	return s.wsTickets
}

var upgrader = websocket.Upgrader{CheckOrigin: func(*http.Request) bool { return true }}

// serveSocket is Slack's Socket Mode endpoint: hello, pings, envelopes out,
// acks in. A URL is good for one connection, as Slack's are.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := strings.TrimPrefix(r.URL.Path, "/socket/")
	s.mu.Lock()
	valid := s.tickets()[ticket]
	delete(s.tickets(), ticket)
	s.mu.Unlock()
	if !valid {
		http.Error(w, "invalid or used socket URL", http.StatusUnauthorized)
		return
	}
	ws, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &socketConn{ws: ws}
	defer ws.Close()
	s.mu.Lock()
	n := len(s.sockets) + 1
	s.mu.Unlock()
	hello := map[string]any{
		"type": "hello", "num_connections": n,
		"debug_info":      map[string]any{"host": "slackemu", "approximate_connection_time": 18060},
		"connection_info": map[string]any{"app_id": s.opts.AppID},
	}
	if err := c.write(hello); err != nil {
		return
	}
	// The connection counts, and gets envelopes, once hello is out.
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.sockets[c] = true
	s.notifyLocked()
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.sockets, c)
		s.notifyLocked()
		s.mu.Unlock()
	}()
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(s.opts.PingInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				if ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(5*time.Second)) != nil {
					return
				}
			case <-done:
				return
			}
		}
	}()
	for {
		_, data, err := ws.ReadMessage()
		if err != nil {
			return
		}
		var a Ack
		if json.Unmarshal(data, &a) != nil || a.EnvelopeID == "" {
			continue
		}
		s.mu.Lock()
		s.ackLog = append(s.ackLog, a)
		if ch, ok := s.acks[a.EnvelopeID]; ok {
			ch <- a
			delete(s.acks, a.EnvelopeID)
		}
		s.notifyLocked()
		s.mu.Unlock()
	}
}

// Acks returns every ack received on Socket Mode connections, oldest first.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.ackLog...)
}

// WaitSocket waits until an app holds a Socket Mode connection.
func (s *Server) WaitSocket(ctx context.Context) error {
	return s.wait(ctx, func() bool { return len(s.sockets) > 0 })
}

// Disconnect asks every Socket Mode client to reconnect, as Slack does
// before it rotates a connection (reason "refresh_requested", "warning"...).
func (s *Server) Disconnect(reason string) {
	for _, c := range s.conns() {
		_ = c.write(map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "slackemu"}})
	}
}

func (s *Server) conns() []*socketConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*socketConn, 0, len(s.sockets))
	for c := range s.sockets {
		out = append(out, c)
	}
	return out
}

// SendSlashCommandSocket delivers c over Socket Mode as a slash_commands
// envelope, waiting first for a connection if there is none yet, and
// returns the ack as a Reply (the ack's payload is the Body and Message).
// It fails when no ack comes within CommandTimeout.
func (s *Server) SendSlashCommandSocket(ctx context.Context, c SlashCommand) (*Reply, error) {
	if err := s.WaitSocket(ctx); err != nil {
		return nil, fmt.Errorf("no Socket Mode connection: %w", err)
	}
	if err := s.canCommand(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	responseURL, trigger := s.newCommand()
	payload := map[string]any{}
	for _, f := range s.fields(c, responseURL, trigger) {
		payload[f[0]] = f[1]
	}
	return s.sendEnvelope(ctx, "slash_commands", payload, responseURL)
}
