package scorecard

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

// SplitCatalog takes only what it can vouch for: every entity an object
// with Entity's own keys and an identifier of its own, written plainly.
// Anything else is read whole, by the parsers that say what is wrong.
func TestSplitCatalogTakes(t *testing.T) {
	cases := []struct {
		name, data string
		ok         bool
		entities   int
	}{
		{"array", `[{"identifier":"a","title":"A","team":["x"],"properties":{"rules":1}}, {"identifier":"b"}]`, true, 2},
		{"Port's answer", `{"ok": true, "entities": [{"identifier":"a"},{"identifier":"b"},{"identifier":"c"}]}`, true, 3},
		{"Port's answer, not ok", `{"ok": false, "entities": [{"identifier":"a"}]}`, false, 0},
		{"scorecards", `{"scorecards": [], "entities": [{"identifier":"a"}]}`, false, 0},
		{"empty", `[]`, false, 0},
		{"not an object", `[{"identifier":"a"}, 1]`, false, 0},
		{"a property at the top level", `[{"identifier":"a","readme":"x"}]`, false, 0},
		{"a key in another case", `[{"Identifier":"a"}]`, false, 0},
		{"an escaped key", `[{"identifier":"a","t\u0069tle":"A"}]`, false, 0},
		{"no identifier", `[{"identifier":"a"},{"title":"B"}]`, false, 0},
		{"a blank identifier", `[{"identifier":"  "}]`, false, 0},
		{"an identifier that is not a string", `[{"identifier":7}]`, false, 0},
		{"an escaped identifier", `[{"identifier":"a\u0062"}]`, false, 0},
		{"the same identifier twice", `[{"identifier":"a"},{"identifier":"b"},{"identifier":"a"}]`, false, 0},
		{"the last identifier counts", `[{"identifier":"a","identifier":"b"},{"identifier":"a"}]`, true, 2},
		{"a scorecard", `[{"identifier":"sc","rules":[],"levels":[]}]`, false, 0},
		{"trailing data", `[{"identifier":"a"}] x`, false, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, ok := SplitCatalog([]byte(tc.data), 8)
			if ok != tc.ok {
				t.Fatalf("ok %v, want %v", ok, tc.ok)
			}
			if ok && p.Entities() != tc.entities {
				t.Fatalf("%d entities, want %d", p.Entities(), tc.entities)
			}
		})
	}
}

// randomCatalog makes n entities whose identifiers and titles collide in
// case, carry chat markup and spaces, as Find has to untangle.
func randomCatalog(r *rand.Rand, n int) []Entity {
	words := []string{"pay", "Pay", "PAY", "api", "*x*", "_y_", "~", "`", "a b", "é", "K", "i"}
	ents := make([]Entity, 0, n)
	seen := map[string]bool{}
	for len(ents) < n {
		var id, title strings.Builder
		for range 1 + r.IntN(3) {
			id.WriteString(words[r.IntN(len(words))])
		}
		if seen[id.String()] || strings.TrimSpace(id.String()) == "" {
			continue
		}
		seen[id.String()] = true
		if r.IntN(2) == 0 {
			for range 1 + r.IntN(3) {
				title.WriteString(words[r.IntN(len(words))])
			}
			if r.IntN(4) == 0 {
				title.WriteString(" ")
			}
		}
		ents = append(ents, Entity{Identifier: id.String(), Title: title.String(), Properties: map[string]any{"n": float64(len(ents))}})
	}
	return ents
}

func marshalCatalog(t *testing.T, ents []Entity) []byte {
	t.Helper()
	var b strings.Builder
	b.WriteString("[")
	for i := range ents {
		if i > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"identifier":%q,"title":%q,"properties":{"n":%v}}`, ents[i].Identifier, ents[i].Title, ents[i].Properties["n"])
	}
	b.WriteString("]")
	return []byte(b.String())
}

// Named answers every name as Find over the whole catalog does, and
// decodes only what it answers.
func TestNamedFindsAsFind(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 14))
	for round := range 40 {
		ents := randomCatalog(r, 60)
		data := marshalCatalog(t, ents)
		whole, err := ParseCatalog("c.json", data)
		if err != nil {
			t.Fatal(err)
		}
		pieces, ok := SplitCatalog(data, 200)
		if !ok {
			t.Fatalf("round %d: not split", round)
		}
		var names []string
		for _, e := range ents[:20] {
			names = append(names, e.Identifier, strings.ToUpper(e.Identifier), " "+strings.ToLower(e.Identifier)+" ", "*"+e.Identifier+"*", e.Title, strings.ToUpper(e.Title), "`"+e.Title+"`")
		}
		names = append(names, "nothing", "", "**", "PAY API")
		for _, name := range names {
			want, found := whole.Find(name)
			cat, ok, err := pieces.Named([]string{name})
			if err != nil {
				t.Fatal(err)
			}
			if ok != found {
				t.Fatalf("round %d, %q: Named found %v, Find %v", round, name, ok, found)
			}
			if !ok {
				continue
			}
			if len(cat.Entities) != 1 {
				t.Fatalf("round %d, %q: %d entities decoded, want 1", round, name, len(cat.Entities))
			}
			got, _ := cat.Find(name)
			if !reflect.DeepEqual(cat.Entities[got], whole.Entities[want]) {
				t.Fatalf("round %d, %q: Named gives %q, Find %q", round, name, cat.Entities[got].Identifier, whole.Entities[want].Identifier)
			}
		}
	}
}

// FuzzSplitCatalog: what SplitCatalog takes, its pieces decode to the
// entities ParseCatalog reads, or a piece fails exactly when ParseCatalog
// does; and ParseCatalog then sees no other keys either.
func FuzzSplitCatalog(f *testing.F) {
	f.Add([]byte(`[{"identifier":"a","team":"x","properties":{"p":1}},{"identifier":"b","team":["x","y"],"relations":{"r":null}}]`), 16)
	f.Add([]byte(`{"ok":true,"entities":[{"identifier":"a","title":"A"},{"identifier":"b","properties":[]}]}`), 8)
	f.Add([]byte(`[{"identifier":"a","team":{"x":1}},{"identifier":"b","title":"a\"}"}]`), 4)
	f.Add(syntheticCatalog(5), 300)
	f.Fuzz(func(t *testing.T, data []byte, size int) {
		pieces, ok := SplitCatalog(data, size)
		if !ok {
			return
		}
		whole, werr := ParseCatalog("c.json", data)
		var got []Entity
		var perr error
		var buf []byte
		for i := range pieces.Len() {
			var cat *Catalog
			if cat, buf, perr = pieces.Piece(i).Decode(buf); perr != nil {
				break
			}
			if first := pieces.Piece(i).First(); first != len(got) {
				t.Fatalf("piece %d starts at %d, after %d entities", i, first, len(got))
			}
			got = append(got, cat.Entities...)
		}
		if (perr == nil) != (werr == nil) {
			t.Fatalf("pieces: %v; whole: %v", perr, werr)
		}
		if werr != nil {
			return
		}
		if whole.OtherKeys {
			t.Fatalf("split found only Entity's keys; ParseCatalog found others")
		}
		if !reflect.DeepEqual(got, whole.Entities) {
			t.Fatalf("pieces decode to other entities than the whole")
		}
		for _, e := range whole.Entities {
			if !pieces.Has(e.Identifier) {
				t.Fatalf("Has(%q) is false", e.Identifier)
			}
		}
	})
}

// Index builds the lookups a server must not build while answering.
func TestCatalogIndexBuildsLookups(t *testing.T) {
	cat, err := NewCatalog([]Entity{{Identifier: "a", Title: "Alpha"}})
	if err != nil {
		t.Fatal(err)
	}
	if cat.keys.m != nil {
		t.Fatal("the name index is built before it is asked for")
	}
	cat.Index()
	if cat.keys.m == nil || cat.names.ix == nil {
		t.Fatal("Index left a lookup to be built on first use")
	}
	if i, ok := cat.Find("ALPHA"); !ok || i != 0 {
		t.Fatalf("Find(ALPHA) = %d, %v", i, ok)
	}
}

// entityKey knows exactly Entity's JSON keys: a field added to Entity
// and not to entityKey would send every catalog that has it through the
// positional check, and a key entityKey knows that Entity does not would
// let a dropped key go unreported.
func TestEntityKeyIsEntitysKeys(t *testing.T) {
	typ := reflect.TypeFor[Entity]()
	var tags []string
	for i := range typ.NumField() {
		tag, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		tags = append(tags, tag)
		if !entityKey([]byte(tag)) {
			t.Errorf("Entity's key %q is not an entity key", tag)
		}
	}
	for _, k := range []string{"Identifier", "identifiers", "readme", "rules", "levels", "", "team "} {
		if entityKey([]byte(k)) {
			t.Errorf("%q is taken for one of Entity's keys %v", k, tags)
		}
	}
}
