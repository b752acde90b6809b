package gate

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/prodready/prodready/scorecard"
	"github.com/prodready/prodready/scorecard/demo"
)

// encoderCheckJSON is the JSON output as encoding/json made it before it
// was streamed: WriteJSON must keep writing exactly these bytes.
func encoderCheckJSON(w io.Writer, ev *scorecard.Evaluation, entities []int) error {
	out := JSON{Now: ev.Now.Format(time.RFC3339), Entities: make([]EntityJSON, 0, len(entities))}
	for _, ei := range entities {
		ent := &ev.Catalog.Entities[ei]
		ej := EntityJSON{Identifier: ent.Identifier, Title: ent.Title, Team: append([]string{}, ent.Team...), Scorecards: map[string]ScorecardJSON{}}
		for si, sc := range ev.Scorecards {
			r := ev.Result(ei, si)
			if !r.Applies {
				continue
			}
			sj := ScorecardJSON{Level: r.LevelName(), Rules: make([]RuleJSON, len(sc.Rules))}
			for ri := range sc.Rules {
				rule := &sc.Rules[ri]
				status := "SUCCESS"
				if !r.Pass[ri] {
					status = "FAILURE"
				}
				sj.Rules[ri] = RuleJSON{Identifier: rule.Identifier, Title: rule.Title, Level: rule.Level, Status: status, Reasons: append([]string{}, r.Reasons(ri)...)}
				if from, ok := r.CountsFrom(ri); ok {
					sj.Rules[ri].CountsFrom = CountsFromText(from)
				}
				if x := r.Exemption(ri); x != nil {
					sj.Rules[ri].Exempt = &ExemptJSON{Until: x.UntilText(), Reason: x.Reason, By: x.By, Origin: x.Origin}
				}
			}
			ej.Scorecards[sc.Identifier] = sj
		}
		out.Entities = append(out.Entities, ej)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// sameJSON compares the streamed output with the Encoder's, byte for byte.
func sameJSON(t *testing.T, name string, ev *scorecard.Evaluation, entities []int) {
	t.Helper()
	var want, got bytes.Buffer
	if err := encoderCheckJSON(&want, ev, entities); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(&got, ev, entities); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		g, w := got.Bytes(), want.Bytes()
		i := 0
		for i < len(g) && i < len(w) && g[i] == w[i] {
			i++
		}
		t.Fatalf("%s: the streamed JSON differs from the Encoder's at byte %d of %d:\nstreamed: %q\nencoder:  %q", name, i, len(w), g[max(0, i-80):min(len(g), i+80)], w[max(0, i-80):min(len(w), i+80)])
	}
}

func TestCheckJSONStreamedAsEncoded(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	d, err := demo.Source{}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	big, err := demo.Scaled(context.Background(), now, 10_000, 100)
	if err != nil {
		t.Fatal(err)
	}
	odd, err := scorecard.NewCatalog([]scorecard.Entity{
		{Identifier: "html<&>\"\\", Title: "tab\there\nline\r\b\f\x01 \u2028\u2029 é 😀 \xff\xfe bad", Team: scorecard.Teams{"a", "b<c>"}},
		{Identifier: "no-team", Properties: map[string]any{"readme": "x", "freshness": 3.0}},
		{Identifier: "other-blueprint", Blueprint: "database"},
	})
	if err != nil {
		t.Fatal(err)
	}
	scs, fs := scorecard.ParseScorecards("odd.json", []byte(`[
{"identifier":"z","title":"Z <&>","blueprint":"service","rules":[{"identifier":"r\u2028","title":"R \"q\"","level":"Gold","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"},{"property":"freshness","operator":"<","value":2}]}}]},
{"identifier":"a","rules":[{"identifier":"x","title":"X","level":"Bronze","query":{"combinator":"and","conditions":[{"property":"freshness","operator":">","value":1}]}}]},
{"identifier":"a","blueprint":"service","rules":[{"identifier":"y","title":"Y","level":"Silver","query":{"combinator":"and","conditions":[{"property":"readme","operator":"isNotEmpty"}]}}]}]`))
	if fs.Err() != nil {
		t.Fatal(fs.Err())
	}
	oddEv := scorecard.Evaluate(now, scs, odd)
	announced, err := demo.Source{}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	var as []scorecard.Announcement
	for _, sc := range announced.Scorecards {
		as = append(as, scorecard.Announcement{Scorecard: sc.Identifier, Rule: sc.Rules[0].Identifier, From: now.AddDate(0, 1, 0)},
			scorecard.Announcement{Scorecard: sc.Identifier, Rule: sc.Rules[len(sc.Rules)-1].Identifier, From: now.Add(90 * time.Minute)})
	}
	if w := scorecard.Announce(announced.Scorecards, as); len(w) > 0 {
		t.Fatal(w)
	}
	cases := []struct {
		name     string
		ev       *scorecard.Evaluation
		entities []int
	}{
		{"demo", scorecard.Evaluate(now, d.Scorecards, d.Catalog), all(len(d.Catalog.Entities))},
		{"demo, some entities in another order", scorecard.Evaluate(now, d.Scorecards, d.Catalog), []int{5, 0, 3}},
		{"no entity", scorecard.Evaluate(now, d.Scorecards, d.Catalog), nil},
		{"10,000 services", scorecard.Evaluate(now, big.Scorecards, big.Catalog), all(len(big.Catalog.Entities))},
		{"escapes, empty teams, duplicate scorecard identifiers, no scorecard applies", oddEv, all(len(odd.Entities))},
		{"no scorecard", scorecard.Evaluate(now, nil, odd), all(len(odd.Entities))},
		{"announced rules", scorecard.Evaluate(now, announced.Scorecards, announced.Catalog), all(len(announced.Catalog.Entities))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { sameJSON(t, tc.name, tc.ev, tc.entities) })
	}
}

// TestJSONStringAsEncoded: every byte value and the runes encoding/json
// treats specially are quoted as json.Marshal quotes them.
func TestJSONStringAsEncoded(t *testing.T) {
	var inputs []string
	for c := range 256 {
		inputs = append(inputs, string([]byte{byte(c)}), "a"+string([]byte{byte(c)})+"z")
	}
	inputs = append(inputs, "", "\u2028", "x\u2029y", "é", "\xe2\x80", "😀", "\xf0\x9f\x98", "<script>&amp;</script>")
	for _, s := range inputs {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
}

type failAfter struct{ n int }

func (f *failAfter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, errors.New("disk full")
	}
	f.n--
	return len(p), nil
}

// TestCheckJSONWriteError: a failing stdout stops the encoding and is
// reported, whichever chunk fails.
func TestCheckJSONWriteError(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	big, err := demo.Scaled(context.Background(), now, 3_000, 10)
	if err != nil {
		t.Fatal(err)
	}
	ev := scorecard.Evaluate(now, big.Scorecards, big.Catalog)
	for _, n := range []int{0, 1, 5} {
		if err := WriteJSON(&failAfter{n: n}, ev, all(3_000)); err == nil || err.Error() != "disk full" {
			t.Errorf("after %d writes: error %v", n, err)
		}
	}
	if err := WriteJSON(io.Discard, ev, all(3_000)); err != nil {
		t.Fatal(err)
	}
}

func TestCheckJSONSaysWhenAnAnnouncedRuleCounts(t *testing.T) {
	now := time.Date(2026, 11, 26, 9, 0, 0, 0, time.UTC)
	d, err := demo.Source{}.Load(context.Background(), now)
	if err != nil {
		t.Fatal(err)
	}
	sc := d.Scorecards[0]
	scorecard.Announce(d.Scorecards, []scorecard.Announcement{{Scorecard: sc.Identifier, Rule: sc.Rules[0].Identifier, From: time.Date(2027, 2, 1, 0, 0, 0, 0, time.UTC)}})
	before := scorecard.Evaluate(now, d.Scorecards, d.Catalog)
	var out bytes.Buffer
	if err := WriteJSON(&out, before, all(len(d.Catalog.Entities))); err != nil {
		t.Fatal(err)
	}
	var doc JSON
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range doc.Entities {
		if s, ok := e.Scorecards[sc.Identifier]; ok {
			if got := s.Rules[0].CountsFrom; got != "2027-02-01" {
				t.Fatalf("%s: counts_from %q", e.Identifier, got)
			}
			n++
			for _, r := range s.Rules[1:] {
				if r.CountsFrom != "" {
					t.Errorf("%s: %s has counts_from but is not announced", e.Identifier, r.Identifier)
				}
			}
		}
	}
	if n == 0 {
		t.Fatal("no service carries the scorecard")
	}
}
