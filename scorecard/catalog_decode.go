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
// when it is large, and fills scan. It answers false for anything the
// decoder, or the scan, rejects. Arrays of at least splitFrom bytes are
// split (tests split small ones).
func decodeArray(data []byte, splitFrom int, scan *arrayScan) ([]Entity, bool) {
	workers := runtime.GOMAXPROCS(0)
	if len(data) < splitFrom || workers == 1 {
		if _, ok := scanArray(data, 1, scan); !ok {
			return nil, false
		}
		var ents []Entity
		return ents, fastjson.Unmarshal(data, &ents) == nil
	}
	// Pieces are smaller than a worker's share, so a slow one evens out,
	// and about a megabyte, so that the copies made to decode them stay
	// small beside the catalog.
	pieces, ok := scanArray(data, max(4*workers, len(data)>>20), scan)
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
				dst := ents[p.first : p.first : p.first+p.n]
				var ok bool
				if buf, ok = decodePiece(data, p, buf, &dst); !ok {
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

// decodePiece decodes piece p of the array data into dst, using buf (which
// it returns, grown) for the copy it decodes.
func decodePiece(data []byte, p piece, buf []byte, dst *[]Entity) ([]byte, bool) {
	// The piece is elements separated by commas: bracket it to make it an
	// array of its own.
	buf = append(append(append(buf[:0], '['), data[p.start:p.end]...), ']')
	return buf, fastjson.Unmarshal(buf, dst) == nil && len(*dst) == p.n
}

// piece is a run of n consecutive elements of a JSON array, the first of
// which is element number first: data[start:end] from the first element's
// first byte to the last one's last byte.
type piece struct {
	first, n   int
	start, end int
}

// arrayScan is what scanArray learns of the elements besides their extent,
// in the same pass.
type arrayScan struct {
	// otherKeys is set when some element has a top-level key that is not
	// one of Entity's own as spelt there (or is written with an escape):
	// the decoders drop it, or match it to a field whatever its case, so
	// it is worth a closer look.
	otherKeys bool
	// scorecardKeys is set when some element has "rules" or "levels": it
	// may be a scorecard, which the careful parser would say.
	scorecardKeys bool
	// With names set, ids and titles hold each element's identifier and
	// title as written between their quotes (escapes not undone); nil
	// where the key is absent or its value not a string.
	names       bool
	ids, titles [][]byte
	// emit, when set, is given each piece as soon as it is cut.
	emit func(piece)
}

// entityKey reports whether key is one of Entity's JSON keys, spelt as
// Entity spells it (the catalog schema's; files tests that both agree).
func entityKey(key []byte) bool {
	switch string(key) {
	case "identifier", "title", "icon", "blueprint", "team", "properties", "relations",
		"createdAt", "updatedAt", "createdBy", "updatedBy", "scorecards":
		return true
	}
	return false
}

func jsonSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// scanArray cuts a JSON array into about k pieces of whole elements,
// following strings and nesting, and fills scan when it is not nil. It
// answers false where the array is not well formed at its top level;
// within elements, the decoder judges.
func scanArray(data []byte, k int, scan *arrayScan) ([]piece, bool) {
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
	// capture is where the next string of the element's own level goes:
	// the value of its identifier or title key.
	var capture *[]byte
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
			if depth == 1 && scan != nil {
				if capture != nil {
					*capture = data[i+1 : j]
					capture = nil
				} else {
					// A string followed by a colon is a key.
					n := j + 1
					for n < len(data) && jsonSpace(data[n]) {
						n++
					}
					if n < len(data) && data[n] == ':' {
						key := data[i+1 : j]
						if !entityKey(key) {
							scan.otherKeys = true
							scan.scorecardKeys = scan.scorecardKeys || string(key) == "rules" || string(key) == "levels"
						} else if scan.names && (string(key) == "identifier" || string(key) == "title") {
							slot := &scan.ids[len(scan.ids)-1]
							if key[0] == 't' {
								slot = &scan.titles[len(scan.titles)-1]
							}
							*slot = nil // the last one counts, as in the decoders
							v := n + 1
							for v < len(data) && jsonSpace(data[v]) {
								v++
							}
							if v < len(data) && data[v] == '"' {
								capture = slot
							}
						}
						i = n + 1
						continue
					}
				}
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
				if scan != nil && scan.names {
					scan.ids = append(scan.ids, nil)
					scan.titles = append(scan.titles, nil)
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
					if scan != nil && scan.emit != nil {
						scan.emit(cur)
					}
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
					if scan != nil && scan.emit != nil {
						scan.emit(cur)
					}
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
