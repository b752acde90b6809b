package gate

import (
	"io"
	"runtime"
	"slices"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/prodready/prodready/scorecard"
)

// WriteJSON streams check's JSON output: byte for byte what
// encoding/json's Encoder with SetIndent("", "  ") made of JSON (the
// test keeps both), but written as it is produced, a chunk of entities at
// a time, so memory stays flat however large the output. The Encoder
// built the whole document, then re-scanned it to indent (most of the
// time of a 10,000-service check) into a buffer that doubled as it grew.
//
// What does not depend on the entity (each rule's identifier, title and
// level, the indentation) is encoded once per scorecard; chunks are
// encoded on every core and written in order.
func WriteJSON(w io.Writer, ev *scorecard.Evaluation, entities []int) error {
	jw := newJSONWriter(ev.Scorecards)
	if len(entities) == 0 {
		_, err := w.Write(append(jsonHead(ev.Now), "[]\n}\n"...))
		return err
	}
	if _, err := w.Write(append(jsonHead(ev.Now), "[\n"...)); err != nil {
		return err
	}
	err := inOrder(w, len(entities), jsonChunk, func(buf []byte, lo, hi int) []byte {
		for k := lo; k < hi; k++ {
			if k > 0 {
				buf = append(buf, ",\n"...)
			}
			buf = jw.appendEntity(buf, ev, entities[k])
		}
		return buf
	})
	if err != nil {
		return err
	}
	_, err = io.WriteString(w, jsonTail)
	return err
}

// jsonHead is check's JSON output up to the array of entities.
func jsonHead(now time.Time) []byte {
	head := append([]byte("{\n  \"now\": "), appendJSONString(nil, now.UTC().Format(time.RFC3339))...)
	return append(head, ",\n  \"entities\": "...)
}

// jsonTail ends a non-empty array of entities and the output.
const jsonTail = "\n  ]\n}\n"

// jsonChunk entities are encoded at a time: about a megabyte of output
// for the demo's scorecards, big enough that one write call carries it.
const jsonChunk = 256

// inOrder encodes n items in chunks of size on every core and writes the
// chunks in order. At most two chunks per core are held at once: memory
// does not grow with n. The first write error stops the encoding.
func inOrder(w io.Writer, n, size int, encode func(buf []byte, lo, hi int) []byte) error {
	chunks := (n + size - 1) / size
	workers := min(runtime.GOMAXPROCS(0), chunks)
	if workers <= 1 {
		var buf []byte
		for lo := 0; lo < n; lo += size {
			buf = encode(buf[:0], lo, min(lo+size, n))
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	}
	// Worker i encodes chunks i, i+workers, ...; the writer takes them
	// round-robin, so each worker's channel delivers its chunks in order.
	out := make([]chan []byte, workers)
	free := make([]chan []byte, workers)
	stop := make(chan struct{})
	for i := range workers {
		out[i] = make(chan []byte, 1)
		free[i] = make(chan []byte, 2)
		free[i] <- nil
		free[i] <- nil
		go func() {
			defer close(out[i])
			for c := i; c < chunks; c += workers {
				var buf []byte
				select {
				case buf = <-free[i]:
				case <-stop:
					return
				}
				lo := c * size
				buf = encode(buf[:0], lo, min(lo+size, n))
				select {
				case out[i] <- buf:
				case <-stop:
					return
				}
			}
		}()
	}
	var werr error
	for c := range chunks {
		i := c % workers
		buf := <-out[i]
		if _, err := w.Write(buf); err != nil {
			werr = err
			break
		}
		free[i] <- buf
	}
	close(stop)
	for i := range workers {
		for range out[i] { // let every worker finish before returning
		}
	}
	return werr
}

// jsonWriter holds what is encoded once per set of scorecards.
type jsonWriter struct {
	// keys are the scorecards' identifiers in the order encoding/json
	// writes a map's keys (sorted); each key's candidates are the
	// scorecards with that identifier, last first, since the last one that
	// applies is the one a map would have kept.
	keys []jsonKey
	// rule[si][ri] is rule ri of scorecard si up to `"status": "`.
	rule [][][]byte
}

type jsonKey struct {
	prefix []byte // `"id": {` and the line and indent that follow it
	cands  []int
}

const (
	success = "SUCCESS\",\n              \"reasons\": []\n            }"
	failure = "FAILURE\",\n              \"reasons\": "
)

func newJSONWriter(scs []*scorecard.Scorecard) *jsonWriter {
	jw := &jsonWriter{rule: make([][][]byte, len(scs))}
	byID := map[string][]int{}
	for si, sc := range scs {
		byID[sc.Identifier] = append(byID[sc.Identifier], si)
		jw.rule[si] = make([][]byte, len(sc.Rules))
		for ri := range sc.Rules {
			r := &sc.Rules[ri]
			b := []byte("{\n              \"identifier\": ")
			b = appendJSONString(b, r.Identifier)
			b = append(b, ",\n              \"title\": "...)
			b = appendJSONString(b, r.Title)
			b = append(b, ",\n              \"level\": "...)
			b = appendJSONString(b, r.Level)
			b = append(b, ",\n              \"status\": \""...)
			jw.rule[si][ri] = b
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		cands := slices.Clone(byID[id])
		slices.Reverse(cands)
		p := appendJSONString([]byte("        "), id)
		p = append(p, ": {\n          \"level\": "...)
		jw.keys = append(jw.keys, jsonKey{prefix: p, cands: cands})
	}
	return jw
}

func (jw *jsonWriter) appendEntity(b []byte, ev *scorecard.Evaluation, ei int) []byte {
	ent := &ev.Catalog.Entities[ei]
	b = append(b, "    {\n      \"identifier\": "...)
	b = appendJSONString(b, ent.Identifier)
	b = append(b, ",\n      \"title\": "...)
	b = appendJSONString(b, ent.Title)
	b = append(b, ",\n      \"team\": "...)
	b = appendStrings(b, ent.Team, "      ")
	b = append(b, ",\n      \"scorecards\": "...)
	first := true
	for _, k := range jw.keys {
		si := -1
		var r scorecard.Result
		for _, c := range k.cands {
			if r = ev.Result(ei, c); r.Applies {
				si = c
				break
			}
		}
		if si < 0 {
			continue
		}
		if first {
			b = append(b, "{\n"...)
			first = false
		} else {
			b = append(b, ",\n"...)
		}
		b = append(b, k.prefix...)
		b = appendJSONString(b, r.LevelName())
		b = append(b, ",\n          \"rules\": "...)
		rules := jw.rule[si]
		if len(rules) == 0 {
			b = append(b, "[]"...)
		} else {
			b = append(b, "[\n"...)
			for ri, pre := range rules {
				if ri > 0 {
					b = append(b, ",\n"...)
				}
				b = append(b, "            "...)
				b = append(b, pre...)
				x := r.Exemption(ri)
				from, pending := r.CountsFrom(ri)
				if r.Pass[ri] && x == nil && !pending {
					b = append(b, success...)
					continue
				}
				if r.Pass[ri] {
					b = append(b, "SUCCESS\",\n              \"reasons\": []"...)
				} else {
					b = append(b, failure...)
					b = appendStrings(b, r.Reasons(ri), "              ")
				}
				if pending {
					b = append(b, ",\n              \"counts_from\": "...)
					b = appendJSONString(b, CountsFromText(from))
				}
				if x != nil {
					b = appendExempt(b, x)
				}
				b = append(b, "\n            }"...)
			}
			b = append(b, "\n          ]"...)
		}
		b = append(b, "\n        }"...)
	}
	if first {
		b = append(b, "{}"...)
	} else {
		b = append(b, "\n      }"...)
	}
	return append(b, "\n    }"...)
}

// appendExempt writes a rule's "exempt" member as the Encoder indents it.
func appendExempt(b []byte, x *scorecard.Exemption) []byte {
	const in = ",\n                \""
	b = append(b, ",\n              \"exempt\": {\n                \"until\": "...)
	b = appendJSONString(b, x.UntilText())
	b = append(b, in+"reason\": "...)
	b = appendJSONString(b, x.Reason)
	b = append(b, in+"by\": "...)
	b = appendJSONString(b, x.By)
	b = append(b, in+"origin\": "...)
	b = appendJSONString(b, x.Origin)
	return append(b, "\n              }"...)
}

// appendStrings writes an array of strings as the Encoder indents it at
// indent: "[]" when empty.
func appendStrings(b []byte, list []string, indent string) []byte {
	if len(list) == 0 {
		return append(b, "[]"...)
	}
	b = append(b, '[')
	for i, s := range list {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = append(b, indent...)
		b = append(b, "  "...)
		b = appendJSONString(b, s)
	}
	b = append(b, '\n')
	b = append(b, indent...)
	return append(b, ']')
}

// appendJSONString quotes s exactly as encoding/json does by default:
// HTML-sensitive characters, U+2028 and U+2029 escaped, invalid UTF-8
// replaced by U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// CountsFromText writes when an announced rule starts to count: the date,
// or the whole time when it is not midnight UTC.
func CountsFromText(t time.Time) string {
	t = t.UTC()
	if t.Equal(t.Truncate(24 * time.Hour)) {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}
