package slackemu

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// File is a file uploaded through files.getUploadURLExternal, the upload
// URL and files.completeUploadExternal.
type File struct {
	ID       string
	Name     string
	Title    string
	Length   int    // announced to getUploadURLExternal
	Content  []byte // what reached the upload URL
	Uploaded bool   // the upload URL received the content
	Complete bool   // completeUploadExternal shared it
	Channels []string
	// ThreadTS is the thread it was shared in (thread_ts); "" in the channel.
	ThreadTS string
	Comment  string // initial_comment
}

// Files returns the files, in the order their upload URLs were handed out.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]File, 0, len(s.files))
	for i := 1; i <= s.seq; i++ {
		if f, ok := s.files[fmt.Sprintf("F%07d", i)]; ok {
			c := *f
			c.Content = append([]byte(nil), f.Content...)
			c.Channels = append([]string(nil), f.Channels...)
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) getUploadURL(req *apiRequest) answer {
	p := req.params
	n, err := strconv.Atoi(p["length"])
	if p["filename"] == "" || err != nil || n <= 0 {
		return fail("invalid_arguments")
	}
	s.seq++
	f := &File{ID: fmt.Sprintf("F%07d", s.seq), Name: p["filename"], Length: n}
	s.files[f.ID] = f
	s.notifyLocked()
	// On the host the client called, as Slack's upload host is one the
	// client reaches: a proxy in front of the emulator stays in the path.
	base := s.srv.URL
	if req.host != "" {
		base = "http://" + req.host
	}
	return ok(map[string]any{"upload_url": base + "/upload/v1/" + f.ID, "file_id": f.ID})
}

// serveUpload receives a file's bytes, as a multipart "file" field (as
// slack-go sends) or a raw body, and answers as Slack's upload host does.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	id := strings.TrimPrefix(r.URL.Path, "/upload/v1/")
	if r.Method != http.MethodPost {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	var content []byte
	var err error
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err = r.ParseMultipartForm(64 << 20); err == nil {
			var fh io.ReadCloser
			fh, _, err = r.FormFile("file")
			if err == nil {
				content, err = io.ReadAll(fh)
				fh.Close()
			}
		}
	} else {
		content, err = io.ReadAll(io.LimitReader(r.Body, 64<<20))
	}
	if err != nil {
		http.Error(w, "bad upload: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	f, found := s.files[id]
	if found {
		f.Content, f.Uploaded = content, true
		s.notifyLocked()
	}
	s.mu.Unlock()
	if !found {
		http.Error(w, "file_not_found", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	fmt.Fprintf(w, "OK - %d", len(content))
}

func (s *Server) completeUpload(req *apiRequest) answer {
	p := req.params
	var list []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(p["files"]), &list); err != nil || len(list) == 0 {
		return fail("invalid_arguments")
	}
	for _, it := range list {
		f, found := s.files[it.ID]
		if !found || !f.Uploaded {
			return fail("file_not_found")
		}
	}
	var targets []*channel
	names := splitComma(p["channels"])
	if ch := p["channel_id"]; ch != "" {
		names = append(names, ch)
	}
	for _, n := range names {
		c, code := s.resolveLocked(n)
		if code != "" {
			return fail(code)
		}
		if code := canPost(req.token, c); code != "" {
			return fail(code)
		}
		targets = append(targets, c)
	}
	blocks, a, good := checkContent(p["initial_comment"], p["blocks"], false)
	if !good {
		return a
	}
	ids := make([]string, len(list))
	out := make([]map[string]any, len(list))
	threadTS := p["thread_ts"]
	if threadTS != "" {
		// Slack shares a file in a thread of one conversation, whose message
		// must exist.
		if len(targets) != 1 {
			return fail("invalid_arguments")
		}
		if !targets[0].hasMessage(threadTS) {
			return fail("invalid_thread_ts")
		}
	}
	for i, it := range list {
		f := s.files[it.ID]
		f.Title, f.Complete, f.ThreadTS, f.Comment = it.Title, true, threadTS, p["initial_comment"]
		if f.Title == "" {
			f.Title = f.Name
		}
		for _, c := range targets {
			f.Channels = append(f.Channels, c.id)
		}
		ids[i] = f.ID
		out[i] = map[string]any{"id": f.ID, "title": f.Title}
	}
	for _, c := range targets {
		c.messages = append(c.messages, Message{Channel: c.id, TS: s.nextTS(), ThreadTS: threadTS, Text: p["initial_comment"], Blocks: blocks, Files: ids, Token: req.token.value})
	}
	s.notifyLocked()
	return ok(map[string]any{"files": out})
}
