package scorecard

import (
	"bytes"
	"runtime"
	"sync"

	fastjson "github.com/goccy/go-json"
)

// The fast path decodes with github.com/goccy/go-json: on the 10,000-service
// catalog it decodes about 3.5 times as fast as encoding/json, in pure Go
// (every platform, no JIT), and it matches keys and calls UnmarshalJSON as
// encoding/json does, which the careful parser (encoding/json, for its
// positions) must agree with; FuzzParseCatalog checks that they do.
// scorecard/testdata/jsonlibs measures it against the alternatives.

// parallelDecodeFrom is the size of array from which it is split across
// the cores: below, splitting costs more than it saves.
const parallelDecodeFrom = 1 << 20

// decodeArray decodes a JSON array of entities, in pieces on every core
// when it is large. It answers false for anything the decoder rejects.
// Arrays of at least splitFrom bytes are split (tests split small ones).
func decodeArray(data []byte, splitFrom int) ([]Entity, bool) {
	workers := runtime.GOMAXPROCS(0)
	if len(data) < splitFrom || workers == 1 {
		var ents []Entity
		return ents, fastjson.Unmarshal(data, &ents) == nil
	}
	// Pieces are smaller than a worker's share, so a slow one evens out,
	// and about a megabyte, so that the copies made to decode them stay
	// small beside the catalog.
	pieces, ok := splitArray(data, max(4*workers, len(data)>>20))
	if !ok {
		return nil, false
	}
	total := 0
	for _, p := range pieces {
		total += p.n
	}
	ents := make([]Entity, total)
	failed := make([]bool, len(pieces))
	next := make(chan int, len(pieces))
	for i := range pieces {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var buf []byte
			for i := range next {
				p := pieces[i]
				// The piece is elements separated by commas: bracket it to
				// make it an array of its own.
				buf = append(append(append(buf[:0], '['), data[p.start:p.end]...), ']')
				dst := ents[p.first : p.first : p.first+p.n]
				if fastjson.Unmarshal(buf, &dst) != nil || len(dst) != p.n {
					failed[i] = true
					continue
				}
				if &dst[0] != &ents[p.first] {
					copy(ents[p.first:], dst)
				}
			}
		})
	}
	wg.Wait()
	for _, f := range failed {
		if f {
			return nil, false
		}
	}
	return ents, true
}

// piece is a run of n consecutive elements of a JSON array, the first of
// which is element number first: data[start:end] from the first element's
// first byte to the last one's last byte.
type piece struct {
	first, n   int
	start, end int
}

// splitArray cuts a JSON array into about k pieces of whole elements,
// following strings and nesting. It answers false where the array is not
// well formed at its top level; within elements, the decoder judges.
func splitArray(data []byte, k int) ([]piece, bool) {
	if len(data) == 0 || data[0] != '[' {
		return nil, false
	}
	target := len(data)/k + 1
	var pieces []piece
	cur := piece{start: -1}
	depth := 0
	// elemStart is where the current top-level element starts; -1 while
	// one is expected (after '[' or ','), -2 after one (',' or ']' next).
	elemStart := -1
	i := 1
	for i < len(data) {
		c := data[i]
		switch c {
		case '"':
			// Skip the string: find its closing quote, one not escaped by
			// an odd run of backslashes.
			j := i + 1
			for {
				q := bytes.IndexByte(data[j:], '"')
				if q < 0 {
					return nil, false
				}
				j += q
				bs := 0
				for b := j - 1; b > i && data[b] == '\\'; b-- {
					bs++
				}
				if bs%2 == 0 {
					break
				}
				j++
			}
			if depth == 0 {
				return nil, false // a top-level element must be an object
			}
			i = j + 1
			continue
		case '{', '[':
			if depth == 0 {
				if c != '{' || elemStart != -1 {
					return nil, false
				}
				elemStart = i
				if cur.start < 0 {
					cur.start = i
				}
			}
			depth++
		case '}', ']':
			if depth == 0 {
				empty := elemStart == -1 && cur.n == 0 && len(pieces) == 0
				if c != ']' || (elemStart != -2 && !empty) {
					return nil, false
				}
				// Only JSON's own white space may follow: bytes.TrimSpace
				// would also take \f or U+00A0, which the decoder refuses.
				if len(bytes.TrimLeft(data[i+1:], " \t\n\r")) != 0 {
					return nil, false
				}
				if cur.n > 0 {
					pieces = append(pieces, cur)
				}
				return pieces, true
			}
			depth--
			if depth == 0 {
				if c != '}' {
					return nil, false
				}
				cur.n++
				cur.end = i + 1
				elemStart = -2 // an element ended: a comma or ']' must follow
			}
		case ',':
			if depth == 0 {
				if elemStart != -2 {
					return nil, false
				}
				elemStart = -1
				if cur.end-cur.start >= target {
					pieces = append(pieces, cur)
					cur = piece{first: cur.first + cur.n, start: -1}
				}
			}
		case ' ', '\t', '\n', '\r':
		default:
			if depth == 0 {
				return nil, false
			}
		}
		i++
	}
	return nil, false
}

// OtherKeys reports whether some entity of a JSON catalog (an array of
// entities, or Port's {"entities": [...]}) has a top-level key that known
// does not accept. ok is false when data is not such a catalog. It decodes
// the array a piece (about a megabyte) at a time, each entity's keys only,
// so that a look at a 65 MB catalog costs neither a second copy of it nor
// its values.
func OtherKeys(data []byte, known func(key string) bool) (other, ok bool) {
	start := skipSpace(data, 0)
	if start >= int64(len(data)) {
		return false, false
	}
	arr := data[start:]
	if arr[0] == '{' {
		var r struct {
			Entities fastjson.RawMessage `json:"entities"`
		}
		if fastjson.Unmarshal(arr, &r) != nil || len(r.Entities) == 0 {
			return false, false
		}
		arr = r.Entities
	}
	pieces, ok := splitArray(arr, max(1, len(arr)>>20))
	if !ok {
		return false, false
	}
	var buf []byte
	for _, p := range pieces {
		buf = append(append(append(buf[:0], '['), arr[p.start:p.end]...), ']')
		var ents []map[string]ignored
		if fastjson.Unmarshal(buf, &ents) != nil {
			return false, false
		}
		for _, e := range ents {
			for k := range e {
				if !known(k) {
					return true, true
				}
			}
		}
	}
	return false, true
}

// ignored takes any JSON value and keeps nothing of it.
type ignored struct{}

func (*ignored) UnmarshalJSON([]byte) error { return nil }
