package scorecard

import (
	"slices"
	"sort"
	"strings"
)

// NameIndex answers "did you mean" over many names without comparing the
// name with every one of them. It is built once (per catalog, or per
// evaluation for the bot's team names) and is safe for concurrent use.
//
// Names within k edits are found by walking a trie of the lower-cased
// names (nameTrie); names that start with the name are a run of the
// trie's sorted names; names that contain it are on the list of its
// rarest trigram. Names with non-ASCII runes, rare, are compared one by
// one. docs/performance.md has the figures and the alternatives measured.
type NameIndex struct {
	names []string // distinct, as given
	lower []string // strings.ToLower(names[i])
	// The names holding trigram g are gramIDs[gramAt[slot]:gramEnd[slot]]
	// where slot = gramSlot[g].
	gramSlot        map[uint32]int32
	gramAt, gramEnd []int32
	gramIDs         []int32
	ascii           []int32   // names with ASCII runes only
	other           []int32   // names with non-ASCII runes: always compared
	trie            *nameTrie // the ASCII names
	// words are the distinct words of the names (runs of letters and
	// digits, with a letter), indexed in turn, and the names holding each:
	// "paymnts" is too far from "payments-api" but one edit from its word
	// "payments".
	words     *NameIndex
	wordNames [][]int32
}

// NewNameIndex indexes names (duplicates are kept once).
func NewNameIndex(names []string) *NameIndex {
	return newNameIndex(names, true)
}

func newNameIndex(names []string, withWords bool) *NameIndex {
	size := 0
	for _, n := range names {
		size += len(n)
	}
	ix := &NameIndex{gramSlot: map[uint32]int32{}, names: make([]string, 0, len(names)), lower: make([]string, 0, len(names))}
	// The slot of each trigram of each ASCII name, in order, and its name.
	occ, occName := make([]int32, 0, size), make([]int32, 0, size)
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			continue
		}
		seen[n] = true
		id := int32(len(ix.names))
		ix.names = append(ix.names, n)
		l := strings.ToLower(n)
		ix.lower = append(ix.lower, l)
		if !isASCII(l) {
			ix.other = append(ix.other, id)
			continue
		}
		for i := 0; i+3 <= len(l); i++ {
			g := uint32(l[i])<<16 | uint32(l[i+1])<<8 | uint32(l[i+2])
			slot, ok := ix.gramSlot[g]
			if !ok {
				slot = int32(len(ix.gramSlot))
				ix.gramSlot[g] = slot
			}
			occ = append(occ, slot)
			occName = append(occName, id)
		}
	}
	// Lists in one array (counted, then filled), not a slice per gram.
	ix.gramAt = make([]int32, len(ix.gramSlot)+1)
	for _, slot := range occ {
		ix.gramAt[slot+1]++
	}
	for i := 1; i < len(ix.gramAt); i++ {
		ix.gramAt[i] += ix.gramAt[i-1]
	}
	fill := slices.Clone(ix.gramAt[:len(ix.gramAt)-1])
	ix.gramIDs = make([]int32, len(occ))
	for i, slot := range occ {
		// A gram twice in a name is listed once.
		if at := fill[slot]; at == ix.gramAt[slot] || ix.gramIDs[at-1] != occName[i] {
			ix.gramIDs[at] = occName[i]
			fill[slot]++
		}
	}
	ix.gramEnd = fill
	for id, l := range ix.lower {
		if isASCII(l) {
			ix.ascii = append(ix.ascii, int32(id))
		}
	}
	ix.trie = newNameTrie(ix.lower, ix.ascii)
	if withWords {
		wordID := map[string]int{}
		var words []string
		for id, l := range ix.lower {
			for _, w := range wordsOf(l) {
				wi, ok := wordID[w]
				if !ok {
					wi = len(words)
					wordID[w] = wi
					words = append(words, w)
					ix.wordNames = append(ix.wordNames, nil)
				}
				if list := ix.wordNames[wi]; len(list) == 0 || list[len(list)-1] != int32(id) {
					ix.wordNames[wi] = append(list, int32(id))
				}
			}
		}
		// Words were numbered in order of first sight, and are distinct:
		// the word index numbers them the same way.
		ix.words = newNameIndex(words, false)
	}
	return ix
}

// wordsOf splits a lower-cased name into runs of letters and digits that
// hold a letter ("payments-api-00042": payments, api); the name's only
// word is the name itself, already indexed.
func wordsOf(l string) []string {
	var out []string
	start := -1
	letter := false
	for i := 0; i <= len(l); i++ {
		c := byte(' ')
		if i < len(l) {
			c = l[i]
		}
		alnum := 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c >= 0x80
		switch {
		case alnum && start < 0:
			start, letter = i, false
			fallthrough
		case alnum:
			letter = letter || c < '0' || c > '9'
		case start >= 0:
			if letter && (start > 0 || i < len(l)) {
				out = append(out, l[start:i])
			}
			start = -1
		}
	}
	return out
}

// Suggest returns up to max names close to name, closest first, as
// scorecard.Suggest ranks them (within a few edits, then starting with
// it, then containing it, ignoring case), then names holding a word
// within a few edits of it, which scorecard.Suggest does not find.
//
// Each rule ranks every name it finds below every name an earlier rule
// finds, so a rule runs only while fewer than max names are found, and
// edits are searched one more at a time: the cost follows what is
// needed, not the catalog's size (but a name that starts or is contained
// in very many names costs a pass over those).
func (ix *NameIndex) Suggest(name string, max int) []string {
	lname := strings.ToLower(strings.TrimSpace(name))
	if lname == "" || max <= 0 {
		return nil
	}
	k := closeEnough(lname)
	var out []string
	var found []int32 // what earlier rules found, to leave out of later ones
	have := func(id int32) bool { return slices.Contains(found, id) }
	add := func(best *topN) {
		for _, c := range best.items {
			out = append(out, ix.names[c.id])
			found = append(found, c.id)
		}
	}
	// Within k edits, one more edit at a time until max names are found.
	for e := 0; e <= k; e++ {
		best := newTopN(ix, max)
		n := 0
		ix.within(lname, e, func(id int32, d int) { best.offer(id, d); n++ })
		if n >= max || e == k {
			add(best)
			break
		}
	}
	if len(out) < max && len(lname) >= 3 {
		prefix := newTopN(ix, max-len(out))
		contains := newTopN(ix, max-len(out))
		ix.containing(lname, len(lname) >= 4, func(id int32) {
			if have(id) {
				return
			}
			switch c := ix.names[id]; {
			case hasPrefixFold(c, lname):
				prefix.offer(id, 0)
			case len(lname) >= 4 && containsFold(c, lname):
				contains.offer(id, 0)
			}
		})
		add(prefix)
		if len(out) < max {
			contains.items = contains.items[:min(len(contains.items), max-len(out))]
			add(contains)
		}
	}
	if len(out) < max && len(lname) >= 4 && ix.words != nil {
		dist := map[int32]int{}
		ix.words.within(lname, k, func(w int32, d int) {
			for _, id := range ix.wordNames[w] {
				if old, ok := dist[id]; !have(id) && (!ok || d < old) {
					dist[id] = d
				}
			}
		})
		best := newTopN(ix, max-len(out))
		for id, d := range dist {
			best.offer(id, d)
		}
		add(best)
	}
	return out
}

// topN keeps the n best names offered, by score then name.
type topN struct {
	ix    *NameIndex
	n     int
	items []scoredName
}

type scoredName struct {
	id    int32
	score int
}

func newTopN(ix *NameIndex, n int) *topN { return &topN{ix: ix, n: n} }

func (t *topN) less(a, b scoredName) bool {
	if a.score != b.score {
		return a.score < b.score
	}
	return t.ix.names[a.id] < t.ix.names[b.id]
}

func (t *topN) offer(id int32, score int) {
	if t.n <= 0 {
		return
	}
	c := scoredName{id, score}
	if len(t.items) == t.n && !t.less(c, t.items[len(t.items)-1]) {
		return
	}
	i := len(t.items)
	for i > 0 && t.less(c, t.items[i-1]) {
		i--
	}
	t.items = slices.Insert(t.items, i, c)
	if len(t.items) > t.n {
		t.items = t.items[:t.n]
	}
}

// within calls f with every name at most k edits from lname, and its
// distance.
func (ix *NameIndex) within(lname string, k int, f func(id int32, d int)) {
	check := func(id int32) {
		if d := EditDistance(lname, ix.lower[id], k); d <= k {
			f(id, d)
		}
	}
	for _, id := range ix.other {
		check(id)
	}
	if !isASCII(lname) {
		// Rune edits are not byte trigram edits: compare with all.
		for _, id := range ix.ascii {
			check(id)
		}
		return
	}
	ix.trie.within(lname, k, f)
}

// containing calls f with names that may contain lname (at least 3 bytes),
// or only start with it unless inside: a superset, which the caller checks.
func (ix *NameIndex) containing(lname string, inside bool, f func(id int32)) {
	for _, id := range ix.other {
		f(id)
	}
	if !isASCII(lname) {
		for _, id := range ix.ascii {
			f(id)
		}
		return
	}
	if !inside {
		// Names starting with it are a run of the trie's names, which are
		// in order.
		ids := ix.trie.ids
		lo := sort.Search(len(ids), func(i int) bool { return ix.lower[ids[i]] >= lname })
		for i := lo; i < len(ids) && strings.HasPrefix(ix.lower[ids[i]], lname); i++ {
			f(ids[i])
		}
		return
	}
	// The trigrams of a name are in every name that contains it.
	var best []int32
	for i := 0; i+3 <= len(lname); i++ {
		g := uint32(lname[i])<<16 | uint32(lname[i+1])<<8 | uint32(lname[i+2])
		var list []int32
		if slot, ok := ix.gramSlot[g]; ok {
			list = ix.gramIDs[ix.gramAt[slot]:ix.gramEnd[slot]]
		}
		if i == 0 || len(list) < len(best) {
			best = list
		}
	}
	for _, id := range best {
		f(id)
	}
}
