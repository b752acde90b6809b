package slackemu

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// sendEnvelope delivers an envelope of type typ over the first Socket Mode
// connection and waits for its ack, within CommandTimeout.
func (s *Server) sendEnvelope(ctx context.Context, typ string, payload any, responseURL string) (*Reply, error) {
	if err := s.WaitSocket(ctx); err != nil {
		return nil, fmt.Errorf("no Socket Mode connection: %w", err)
	}
	id := randHex(16)
	ch := make(chan Ack, 1)
	s.mu.Lock()
	s.acks[id] = ch
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.acks, id)
		s.mu.Unlock()
	}()
	env := map[string]any{"envelope_id": id, "type": typ, "payload": payload, "accepts_response_payload": true}
	conns := s.conns()
	if len(conns) == 0 {
		return nil, fmt.Errorf("no Socket Mode connection")
	}
	start := time.Now()
	if err := conns[0].write(env); err != nil {
		return nil, fmt.Errorf("send "+typ+" envelope: %w", err)
	}
	timer := time.NewTimer(s.opts.CommandTimeout)
	defer timer.Stop()
	select {
	case a := <-ch:
		r := &Reply{Status: http.StatusOK, Body: a.Payload, ResponseURL: responseURL, Elapsed: time.Since(start)}
		if len(bytes.TrimSpace(a.Payload)) > 0 {
			var m ReplyMessage
			if json.Unmarshal(a.Payload, &m) == nil {
				r.Message = &m
			}
		}
		return r, nil
	case <-timer.C:
		return nil, fmt.Errorf("no ack for envelope %s within %s", id, s.opts.CommandTimeout)
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
