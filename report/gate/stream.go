package gate

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/prodready/prodready/report"
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
	jw       *jsonWriter                       // nil for the gate and the text
	text     bool                              // the full text, not the quiet gate
	github   bool                              // workflow annotations
	places   Places                            // where they point
	gh       []ghPart                          // by piece: its annotations (github)
	url      func(*scorecard.Entity) string    // the text's links
	below    [][]Below                         // by piece: the results under minLevel
	gated    [][]gateEntry                     // by piece: the services written (gate, text)
	kept     [][]byte                          // by piece: the text of gated
	none     [][]noneEntry                     // by piece: the services no scorecard applies to (text)
	counts   [][][]int                         // by piece, scorecard, level: services (text)
	bufs     sync.Pool                         // decoders' scratch space
	wrote    bool                              // some output was written
}

// NewStream prepares a streamed check of scs at now, writing format:
// "json", "gate" (the quiet gate under minLevel, minRanks per scorecard)
// or "text" (as WriteText, its links made by url, which may be nil). An
// exemption applies to a service of the piece it is in; one that names
// no scorecard or rule applies nowhere.
func NewStream(now time.Time, scs []*scorecard.Scorecard, xs []scorecard.Exemption, minLevel string, minRanks []int, format string, url func(*scorecard.Entity) string) *Stream {
	s := &Stream{now: now, scs: scs, minLevel: minLevel, minRanks: minRanks, exempt: map[string][]*scorecard.Exemption{}, url: url}
	valid, _ := scorecard.CheckExemptions(xs, scs, func(string) bool { return true })
	for _, x := range valid {
		s.exempt[x.Service] = append(s.exempt[x.Service], x)
	}
	switch format {
	case "json":
		s.jw = newJSONWriter(scs)
	case "text":
		s.text = true
	case "github":
		s.github = true
	}
	return s
}

// SetPlaces says where the catalog and scorecards are, for the file= and
// line= of GitHub's annotations.
func (s *Stream) SetPlaces(p Places) { s.places = p }

// noneEntry is a service no scorecard applies to, and why; the first
// service of the catalog keeps its text too, for a catalog of one.
type noneEntry struct {
	id, why string
	text    []byte
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
	s.none, s.counts, s.gh = make([][]noneEntry, most), make([][][]int, most), make([]ghPart, most)
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
			// The gate and the text are written in their order once every
			// piece is in: a copy of just their size is kept, and the
			// buffer, grown for any piece, goes back to be reused.
			s.kept[i] = bytes.Clone(*r.buf)
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
	if s.text {
		return s.writeText(w, cat)
	}
	if s.github {
		var all ghPart
		for i := range s.gh {
			all.merge(&s.gh[i])
		}
		s.wrote = true
		return writeGitHub(w, &all, s.places, headlineOf(cat.Entities(), all.below, s.minLevel))
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
	if s.github {
		run := &Run{ev: ev, entities: all(len(cat.Entities)), minLevel: s.minLevel, minRanks: s.minRanks}
		s.gh[p.Index] = run.github()
	}
	for k := range cat.Entities {
		if s.github {
			// Said in writeTail.
		} else if s.jw != nil {
			if first+k > 0 {
				out = append(out, ",\n"...)
			}
			out = s.jw.appendEntity(out, ev, k)
		} else if s.text {
			s.textEntity(gate, ev, p, k)
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

// textEntity writes entity k of piece p's evaluation as WriteText does,
// and counts its levels for the summary. A service no scorecard applies
// to is only noted (WriteText groups them), unless it may be the only one.
func (s *Stream) textEntity(b *bytes.Buffer, ev *scorecard.Evaluation, p scorecard.Piece, k int) {
	i := p.Index
	if s.counts[i] == nil {
		s.counts[i] = make([][]int, len(ev.Scorecards))
		for si, sc := range ev.Scorecards {
			s.counts[i][si] = make([]int, len(sc.Levels)+1) // the last: how many it applies to
		}
	}
	for si := range ev.Scorecards {
		if r := ev.Result(k, si); r.Applies {
			s.counts[i][si][r.Level]++
			s.counts[i][si][len(s.counts[i][si])-1]++
		}
	}
	id := ev.Catalog.Entities[k].Identifier
	why := notApplies(ev, k)
	if why != "" {
		ne := noneEntry{id: id, why: why}
		if p.First()+k == 0 {
			var t bytes.Buffer
			report.WriteText(&t, report.ForService(ev, k, s.url))
			fmt.Fprintf(&t, "    %s\n\n", why)
			ne.text = t.Bytes()
		}
		s.none[i] = append(s.none[i], ne)
		return
	}
	off := b.Len()
	report.WriteText(b, report.ForService(ev, k, s.url)) // a bytes.Buffer does not fail
	b.WriteByte('\n')
	s.gated[i] = append(s.gated[i], gateEntry{rank: rankOf(ev, k), id: id, off: off, end: b.Len()})
}

// writeText ends the text: every service's text in WriteText's order, the
// services no scorecard applies to by reason, and the summary.
func (s *Stream) writeText(w io.Writer, cat *scorecard.CatalogPieces) error {
	n := cat.Entities()
	var all []gateEntry
	var none []noneEntry
	for i, g := range s.gated {
		for _, e := range g {
			e.text = s.kept[i][e.off:e.end]
			all = append(all, e)
		}
		none = append(none, s.none[i]...)
		s.kept[i] = nil
	}
	if n == 1 && len(none) == 1 {
		_, err := w.Write(none[0].text)
		return err
	}
	sortGate(all)
	for _, e := range all {
		if _, err := w.Write(e.text); err != nil {
			return err
		}
		s.wrote = true
	}
	// As WriteText groups them: reasons in the order of their first
	// service by identifier, each with its first five.
	slices.SortStableFunc(none, func(a, b noneEntry) int { return strings.Compare(a.id, b.id) })
	var groups []string
	byWhy := map[string][]string{}
	for _, ne := range none {
		if _, ok := byWhy[ne.why]; !ok {
			groups = append(groups, ne.why)
		}
		byWhy[ne.why] = append(byWhy[ne.why], ne.id)
	}
	for _, why := range groups {
		if err := writeNone(w, byWhy[why], why); err != nil {
			return err
		}
	}
	if n <= 1 {
		return nil
	}
	counts := make([][]int, len(s.scs))
	for si, sc := range s.scs {
		counts[si] = make([]int, len(sc.Levels)+1)
	}
	for _, pc := range s.counts {
		for si := range pc {
			for r, c := range pc[si] {
				counts[si][r] += c
			}
		}
	}
	return writeCounts(w, n, s.now, s.scs, counts)
}

// PieceError is a piece of the catalog that does not decode.
type PieceError struct {
	Piece int
	Err   error
}

func (e *PieceError) Error() string { return e.Err.Error() }

func (e *PieceError) Unwrap() error { return e.Err }
