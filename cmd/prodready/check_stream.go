package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
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
// the output starts before the catalog is read to its end. The output is
// byte for byte that of the whole-catalog path (TestCheckStreamedAsWhole).
//
// The cut has checked the catalog's shape, keys and identifiers. A piece
// that does not decode (a value of the wrong type, a malformed number)
// stops the output where it is: the careful parser then says where the
// mistake is, and check exits 2.
func runCheckStream(ctx context.Context, e *env, o *checkOpts, cf checkedFiles, pieces *scorecard.CatalogPieces, now time.Time) int {
	fmt.Fprintf(e.stderr, "prodready: reading %s\n", cf.Describe())
	defs := cf.Source
	defs.Catalog = "" // the scorecards; the catalog is in pieces
	b, err := defs.Load(ctx, now)
	if err != nil {
		fmt.Fprintf(e.stderr, "prodready check: %v\n", err)
		return exitUsage
	}
	st, code := o.setup(ctx, e, b, now)
	if st == nil {
		return code
	}
	valid, problems := scorecard.CheckExemptions(st.xs, st.scs, pieces.Has)
	for _, p := range problems {
		fmt.Fprintf(e.stderr, "prodready: warning: %s\n", p)
	}
	exempt := map[string][]*scorecard.Exemption{}
	for _, x := range valid {
		exempt[x.Service] = append(exempt[x.Service], x)
	}

	s := &streamCheck{o: o, st: st, now: now, pieces: pieces, exempt: exempt, below: make([][]string, pieces.Len())}
	if o.format == "json" {
		s.jw = newJSONWriter(st.scs)
	}
	stdout := bufio.NewWriterSize(e.stdout, 64<<10)
	err = s.write(stdout)
	if err == nil {
		err = stdout.Flush()
	}
	if err != nil {
		var perr *pieceError
		if errors.As(err, &perr) {
			stdout.Flush() // what was written stands; it ends here
			fmt.Fprintf(e.stderr, "prodready check: %v\n", cf.explain(perr))
			fmt.Fprintln(e.stderr, "prodready check: the output above stops before that entity")
			return exitUsage
		}
		fmt.Fprintf(e.stderr, "prodready check: write output: %v\n", err)
		return exitUsage
	}
	var below []string
	for _, l := range s.below {
		below = append(below, l...)
	}
	return sayBelow(e, below, o.minLevel, code)
}

// streamCheck is one streamed check.
type streamCheck struct {
	o      *checkOpts
	st     *checkSetup
	now    time.Time
	pieces *scorecard.CatalogPieces
	exempt map[string][]*scorecard.Exemption // valid ones, by service
	jw     *jsonWriter                       // nil for the gate
	below  [][]string                        // by piece: the results under --min-level
	gated  []int                             // by piece: the services below it (gate)
	bufs   sync.Pool                         // decoders' scratch space
}

func (s *streamCheck) write(w io.Writer) error {
	n := s.pieces.Len()
	s.gated = make([]int, n)
	if s.jw != nil {
		head := append([]byte("{\n  \"now\": "), appendJSONString(nil, s.now.UTC().Format(time.RFC3339))...)
		if _, err := w.Write(append(head, ",\n  \"entities\": [\n"...)); err != nil {
			return err
		}
	}
	err := inOrder(w, n, 1, func(out []byte, lo, hi int) ([]byte, error) {
		for p := lo; p < hi; p++ {
			var err error
			if out, err = s.piece(out, p); err != nil {
				return out, err
			}
		}
		return out, nil
	})
	if err != nil {
		return err
	}
	if s.jw != nil {
		_, err = io.WriteString(w, "\n  ]\n}\n")
		return err
	}
	total := 0
	for _, g := range s.gated {
		total += g
	}
	return writeGateTotal(w, total, s.pieces.Entities(), s.o.minLevel)
}

// piece decodes, evaluates and writes piece p after out.
func (s *streamCheck) piece(out []byte, p int) ([]byte, error) {
	scratch, _ := s.bufs.Get().(*[]byte)
	if scratch == nil {
		scratch = new([]byte)
	}
	cat, buf, err := s.pieces.Decode(p, *scratch)
	*scratch = buf
	s.bufs.Put(scratch)
	if err != nil {
		return out, &pieceError{piece: p, err: err}
	}
	ev := scorecard.Evaluate(s.now, s.st.scs, cat)
	var xs []*scorecard.Exemption
	if len(s.exempt) > 0 {
		for i := range cat.Entities {
			xs = append(xs, s.exempt[cat.Entities[i].Identifier]...)
		}
		ev.ExemptValid(xs)
	}
	first := s.pieces.First(p)
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
			s.gated[p]++
		}
		s.below[p] = appendBelow(s.below[p], ev, k, s.o.minLevel, s.st.minRanks)
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
