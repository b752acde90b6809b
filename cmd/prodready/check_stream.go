package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/prodready/prodready/scorecard"
)

// streamPiece is how much of a catalog file a streamed check decodes at
// a time: about 250 services of the demo's size, whose JSON output is
// about a megabyte, so that one write carries it.
const streamPiece = 160 << 10

// streams reports whether check can evaluate a catalog file a piece at a
// time as it writes: for its JSON output and its quiet gate over the
// whole catalog. Both say each service on its own, then a total; the
// other outputs and flags need every result at once.
func (o *checkOpts) streams(services []string) bool {
	if len(services) > 0 || o.ci != (checkCI{}) || o.report.url != "" || o.compare {
		return false
	}
	return o.format == "json" || (o.format == "text" && o.minLevel != "" && !o.verbose)
}

// runCheckStream is check over a catalog file cut into pieces: each piece
// is decoded, evaluated and written on one of the cores, and the pieces
// are written in order, so that memory holds the file and a few pieces
// rather than the whole decoded catalog (about three times the file), and
// the work starts while the file is still being cut. The output is byte
// for byte that of the whole-catalog path (TestCheckStreamedAsWhole).
//
// Nothing is written before the cut has checked the catalog's shape, keys
// and identifiers; when it refuses them, streamed is false and the caller
// reads the catalog whole, which says what is wrong. A piece that does not
// decode (a value of the wrong type, a malformed number) stops the output
// where it is: the careful parser then says where the mistake is, and
// check exits 2.
func runCheckStream(ctx context.Context, e *env, o *checkOpts, cf checkedFiles, data []byte, now time.Time) (code int, streamed bool) {
	defs := cf.Source
	defs.Catalog = "" // the scorecards; the catalog is cut here
	b, err := defs.Load(ctx, now)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready: reading %s\n", cf.Describe())
		fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
		return exitUsage, true
	}
	s := &streamCheck{o: o, now: now}
	// What setup says is said once the cut has taken the catalog: when it
	// does not, the whole path says it.
	var out bytes.Buffer
	st, code := o.setup(ctx, e, &out, b, now)
	if st == nil {
		fmt.Fprintf(e.stderr, "prodready: reading %s\n", cf.Describe())
		e.stderr.Write(out.Bytes())
		return code, true
	}
	s.st = st
	// An exemption applies to a service of the piece it is in; one that
	// names no scorecard or rule applies nowhere. Which name no service is
	// said once the cut is done.
	valid, _ := scorecard.CheckExemptions(st.xs, st.scs, func(string) bool { return true })
	s.exempt = map[string][]*scorecard.Exemption{}
	for _, x := range valid {
		s.exempt[x.Service] = append(s.exempt[x.Service], x)
	}
	if o.format == "json" {
		s.jw = newJSONWriter(st.scs)
	}
	stdout := bufio.NewWriterSize(e.stdout, 64<<10)
	cat, err := s.run(stdout, data, func(cat *scorecard.CatalogPieces) {
		// The cut took the catalog: say what the whole path would have
		// said before its output.
		fmt.Fprintf(e.stderr, "prodready: reading %s\n", cf.Describe())
		e.stderr.Write(out.Bytes())
		_, problems := scorecard.CheckExemptions(st.xs, st.scs, cat.Has)
		for _, p := range problems {
			fmt.Fprintf(e.stderr, "prodready: warning: %s\n", p)
		}
	})
	if cat == nil {
		return 0, false
	}
	if err == nil {
		err = stdout.Flush()
	}
	if err != nil {
		var perr *pieceError
		if errors.As(err, &perr) {
			stdout.Flush() // what was written stands; it ends here
			fmt.Fprintf(e.stderr, "prodready check: %v\n", cf.explain(perr))
			if s.wrote {
				fmt.Fprintln(e.stderr, "prodready check: the output above stops before that entity")
			}
			return exitUsage, true
		}
		fmt.Fprintf(e.stderr, "prodready check: write output: %v\n", err)
		return exitUsage, true
	}
	var below []string
	for _, l := range s.below {
		below = append(below, l...)
	}
	return sayBelow(e, below, o.minLevel, code), true
}

// streamCheck is one streamed check.
type streamCheck struct {
	o      *checkOpts
	st     *checkSetup
	now    time.Time
	exempt map[string][]*scorecard.Exemption // by service
	jw     *jsonWriter                       // nil for the gate
	below  [][]string                        // by piece: the results under --min-level
	gated  []int                             // by piece: the services below it (gate)
	bufs   sync.Pool                         // decoders' scratch space
	wrote  bool                              // some output was written
}

// run cuts data into pieces, and writes each piece's output in order on
// w once the cut has taken the catalog (taken is called then, before the
// first byte). The pieces are decoded, evaluated and encoded on every
// core as they are cut, at most two per core ahead of the writer. A nil
// catalog means the cut refused it, and nothing was written.
func (s *streamCheck) run(w io.Writer, data []byte, taken func(*scorecard.CatalogPieces)) (*scorecard.CatalogPieces, error) {
	// Pieces are at least streamPiece bytes, but the last: their number is
	// bounded, and the cut never waits for the workers.
	most := len(data)/streamPiece + 2
	s.below, s.gated = make([][]string, most), make([]int, most)
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
		cat, ok = scorecard.SplitCatalogFunc(data, streamPiece, func(p scorecard.Piece) {
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
		if r.err == nil {
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
func (s *streamCheck) writeTail(w io.Writer, cat *scorecard.CatalogPieces) error {
	if s.jw != nil {
		_, err := io.WriteString(w, jsonTail)
		return err
	}
	total := 0
	for _, g := range s.gated {
		total += g
	}
	return writeGateTotal(w, total, cat.Entities(), s.o.minLevel)
}

// piece decodes, evaluates and writes piece p after out.
func (s *streamCheck) piece(out []byte, p scorecard.Piece) ([]byte, error) {
	scratch, _ := s.bufs.Get().(*[]byte)
	if scratch == nil {
		scratch = new([]byte)
	}
	cat, buf, err := p.Decode(*scratch)
	*scratch = buf
	s.bufs.Put(scratch)
	if err != nil {
		return out, &pieceError{piece: p.Index, err: err}
	}
	ev := scorecard.Evaluate(s.now, s.st.scs, cat)
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
	out = slices.Grow(out, 8*p.Size())
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
		} else if writeGateEntity(gate, ev, k, s.st.minRanks) {
			s.gated[p.Index]++
		}
		s.below[p.Index] = appendBelow(s.below[p.Index], ev, k, s.o.minLevel, s.st.minRanks)
	}
	if gate != nil {
		out = gate.Bytes()
	}
	return out, nil
}

// pieceError is a piece of the catalog that does not decode.
type pieceError struct {
	piece int
	err   error
}

func (e *pieceError) Error() string { return e.err.Error() }
