package gate

import (
	"bytes"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// StreamPiece is how much of a catalog file a streamed check decodes at
// a time: about 250 services of the demo's size, whose JSON output is
// about a megabyte, so that one write carries it.
const StreamPiece = 160 << 10

// Stream is check over a catalog file cut into pieces: each piece is
// decoded, evaluated and written on one of the cores, and the pieces are
// written in order, so that memory holds the file and a few pieces rather
// than the whole decoded catalog (about three times the file), and the
// work starts while the file is still being cut. The output is byte for
// byte that of the whole-catalog path (TestCheckStreamedAsWhole).
//
// Nothing is written before the cut has checked the catalog's shape, keys
// and identifiers. A piece that does not decode (a value of the wrong
// type, a malformed number) stops the output where it is, with a
// *PieceError.
type Stream struct {
	now      time.Time
	scs      []*scorecard.Scorecard
	minLevel string
	minRanks []int
	exempt   map[string][]*scorecard.Exemption // by service
	jw       *jsonWriter                       // nil for the gate
	below    [][]Below                         // by piece: the results under minLevel
	gated    [][]gateEntry                     // by piece: the services below it (gate)
	kept     [][]byte                          // by piece: the gate's text of gated
	bufs     sync.Pool                         // decoders' scratch space
	wrote    bool                              // some output was written
}

// NewStream prepares a streamed check of scs at now: the JSON output when
// json is true, else the quiet gate under minLevel (minRanks per
// scorecard). An exemption applies to a service of the piece it is in;
// one that names no scorecard or rule applies nowhere.
func NewStream(now time.Time, scs []*scorecard.Scorecard, xs []scorecard.Exemption, minLevel string, minRanks []int, json bool) *Stream {
	s := &Stream{now: now, scs: scs, minLevel: minLevel, minRanks: minRanks, exempt: map[string][]*scorecard.Exemption{}}
	valid, _ := scorecard.CheckExemptions(xs, scs, func(string) bool { return true })
	for _, x := range valid {
		s.exempt[x.Service] = append(s.exempt[x.Service], x)
	}
	if json {
		s.jw = newJSONWriter(scs)
	}
	return s
}

// Below lists the results under the level.
func (s *Stream) Below() []Below {
	var below []Below
	for _, l := range s.below {
		below = append(below, l...)
	}
	return below
}

// Wrote reports whether some output was written.
func (s *Stream) Wrote() bool { return s.wrote }

// Run cuts data into pieces, and writes each piece's output in order on
// w once the cut has taken the catalog (taken is called then, before the
// first byte). The pieces are decoded, evaluated and encoded on every
// core as they are cut, at most two per core ahead of the writer. A nil
// catalog means the cut refused it, and nothing was written.
func (s *Stream) Run(w io.Writer, data []byte, taken func(*scorecard.CatalogPieces)) (*scorecard.CatalogPieces, error) {
	// Pieces are at least StreamPiece bytes, but the last: their number is
	// bounded, and the cut never waits for the workers.
	most := len(data)/StreamPiece + 2
	s.below, s.gated, s.kept = make([][]Below, most), make([][]gateEntry, most), make([][]byte, most)
	cut := make(chan scorecard.Piece, most)
	type result struct {
		buf *[]byte // back to outs once written
		err error
	}
	slots := make([]chan result, most)
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	workers := runtime.GOMAXPROCS(0)
	// A worker holds a token from before it takes a piece until that piece
	// is written: pieces are taken in order, so the one the writer waits
	// for is always being worked on, and at most 2 per worker are ahead.
	tokens := make(chan struct{}, 2*workers)
	stop := make(chan struct{})
	var outs sync.Pool
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for {
				select {
				case tokens <- struct{}{}:
				case <-stop:
					return
				}
				p, ok := <-cut
				if !ok {
					return
				}
				buf, _ := outs.Get().(*[]byte)
				if buf == nil {
					buf = new([]byte)
				}
				var err error
				*buf, err = s.piece((*buf)[:0], p)
				slots[p.Index] <- result{buf, err}
			}
		})
	}
	var cat *scorecard.CatalogPieces
	ok, over := false, false
	func() {
		defer close(cut)
		cat, ok = scorecard.SplitCatalogFunc(data, StreamPiece, func(p scorecard.Piece) {
			if over = over || p.Index >= most; !over {
				cut <- p
			}
		})
	}()
	finish := func() {
		close(stop)
		wg.Wait()
	}
	if !ok || over {
		finish()
		return nil, nil
	}
	taken(cat)
	// The JSON's head goes out with the first piece, so that a catalog
	// whose first piece does not decode writes nothing at all.
	var head []byte
	if s.jw != nil {
		head = append(jsonHead(s.now), "[\n"...)
	}
	var err error
	for i := range cat.Len() {
		r := <-slots[i]
		if r.err == nil && head != nil {
			_, r.err = w.Write(head)
			head = nil
		}
		switch {
		case r.err != nil:
		case s.jw == nil:
			// The gate is written in its order once every piece is in.
			s.kept[i], *r.buf = *r.buf, nil
		default:
			_, r.err = w.Write(*r.buf)
			s.wrote = true
		}
		outs.Put(r.buf)
		<-tokens
		if err = r.err; err != nil {
			break
		}
	}
	if err == nil {
		err = s.writeTail(w, cat)
	}
	finish()
	return cat, err
}

// writeTail ends the output: the JSON's closing brackets, or the gate's
// total.
func (s *Stream) writeTail(w io.Writer, cat *scorecard.CatalogPieces) error {
	if s.jw != nil {
		_, err := io.WriteString(w, jsonTail)
		return err
	}
	var all []gateEntry
	for i, g := range s.gated {
		for _, e := range g {
			e.text = s.kept[i][e.off:e.end]
			all = append(all, e)
		}
		s.kept[i] = nil
	}
	sortGate(all)
	for _, e := range all {
		if _, err := w.Write(e.text); err != nil {
			return err
		}
		s.wrote = true
	}
	return writeGateTotal(w, len(all), cat.Entities(), s.minLevel)
}

// piece decodes, evaluates and writes piece p after out.
func (s *Stream) piece(out []byte, p scorecard.Piece) ([]byte, error) {
	scratch, _ := s.bufs.Get().(*[]byte)
	if scratch == nil {
		scratch = new([]byte)
	}
	cat, buf, err := p.Decode(*scratch)
	*scratch = buf
	s.bufs.Put(scratch)
	if err != nil {
		return out, &PieceError{Piece: p.Index, Err: err}
	}
	ev := scorecard.Evaluate(s.now, s.scs, cat)
	var xs []*scorecard.Exemption
	if len(s.exempt) > 0 {
		for i := range cat.Entities {
			xs = append(xs, s.exempt[cat.Entities[i].Identifier]...)
		}
		ev.ExemptValid(xs)
	}
	// The output is about six times the input for the demo's scorecards:
	// room for eight, so that a buffer seldom grows (growing was a tenth
	// of a 10,000-service check).
	if s.jw != nil {
		out = slices.Grow(out, 8*p.Size())
	}
	first := p.First()
	var gate *bytes.Buffer
	if s.jw == nil {
		gate = bytes.NewBuffer(out)
	}
	for k := range cat.Entities {
		if s.jw != nil {
			if first+k > 0 {
				out = append(out, ",\n"...)
			}
			out = s.jw.appendEntity(out, ev, k)
		} else if off := gate.Len(); writeGateEntity(gate, ev, k, s.minRanks) {
			s.gated[p.Index] = append(s.gated[p.Index], gateEntry{rank: rankOf(ev, k), id: cat.Entities[k].Identifier, off: off, end: gate.Len()})
		}
		s.below[p.Index] = AppendBelow(s.below[p.Index], ev, k, s.minLevel, s.minRanks)
	}
	if gate != nil {
		out = gate.Bytes()
	}
	return out, nil
}

// PieceError is a piece of the catalog that does not decode.
type PieceError struct {
	Piece int
	Err   error
}

func (e *PieceError) Error() string { return e.Err.Error() }

func (e *PieceError) Unwrap() error { return e.Err }
