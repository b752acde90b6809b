package scorecard

import (
	"bytes"
	"fmt"
	"unicode/utf8"
)

// CatalogPieces is a JSON catalog cut into pieces of whole entities that
// decode one at a time. `check` evaluates a large catalog as it reads it,
// holding a few pieces instead of the whole decoded catalog (which takes
// about three times the file), and `check SERVICE` decodes only the piece
// that holds the service.
type CatalogPieces struct {
	data   []byte
	pieces []piece
	ids    []string       // every entity's identifier, in order
	index  map[string]int // identifier -> entity
	titles [][]byte       // every entity's title as written; nil when absent
	// plainTitles: no title needs unescaping, so the raw titles are the
	// decoded ones.
	plainTitles bool
}

// SplitCatalog cuts a JSON catalog (an array of entities, or Port's
// {"entities": [...]}) into pieces of about size bytes. It answers false,
// and ParseCatalog should then read the catalog whole (it says what is
// wrong), unless every entity is an object whose top-level keys are all
// Entity's own as Entity spells them, with an identifier of its own
// written without escapes. What it does not look at (a value of the wrong
// type, a malformed number) is found when that piece is decoded.
func SplitCatalog(data []byte, size int) (*CatalogPieces, bool) {
	return SplitCatalogFunc(data, size, nil)
}

// SplitCatalogFunc is SplitCatalog, giving each piece to each (when it is
// not nil) as soon as it is cut, in order, from the calling goroutine: a
// streamed check decodes the first pieces while the cut goes on. What the
// pieces are worth is only known when it returns: a piece given to each
// belongs to a catalog that may yet be refused.
func SplitCatalogFunc(data []byte, size int, each func(Piece)) (*CatalogPieces, bool) {
	arr, ok := entitiesArray(data)
	if !ok {
		return nil, false
	}
	scan := arrayScan{names: true}
	if each != nil {
		n := 0
		scan.emit = func(p piece) {
			each(Piece{data: arr, p: p, Index: n})
			n++
		}
	}
	pieces, ok := scanArray(arr, max(1, len(arr)/max(size, 1)), &scan)
	if !ok || scan.otherKeys || len(scan.ids) == 0 {
		return nil, false
	}
	c := &CatalogPieces{data: arr, pieces: pieces, ids: make([]string, len(scan.ids)), index: make(map[string]int, len(scan.ids)), titles: scan.titles, plainTitles: true}
	for i, raw := range scan.ids {
		if !plainString(raw) || len(bytes.TrimSpace(raw)) == 0 {
			return nil, false
		}
		id := string(raw)
		if _, dup := c.index[id]; dup {
			return nil, false
		}
		c.ids[i] = id
		c.index[id] = i
	}
	for _, t := range scan.titles {
		if t != nil && !plainString(t) {
			c.plainTitles = false
			break
		}
	}
	return c, true
}

// plainString reports whether a JSON string's raw bytes are its value: no
// escape, no control character (which JSON refuses), valid UTF-8 (which
// the decoders would replace).
func plainString(raw []byte) bool {
	if raw == nil || bytes.IndexByte(raw, '\\') >= 0 {
		return false
	}
	for _, b := range raw {
		if b < 0x20 {
			return false
		}
	}
	return utf8.Valid(raw)
}

// Len is the number of pieces.
func (c *CatalogPieces) Len() int { return len(c.pieces) }

// Entities is the number of entities in the catalog.
func (c *CatalogPieces) Entities() int { return len(c.ids) }

// Has reports whether some entity's identifier is id.
func (c *CatalogPieces) Has(id string) bool { _, ok := c.index[id]; return ok }

// Piece returns piece i.
func (c *CatalogPieces) Piece(i int) Piece { return Piece{data: c.data, p: c.pieces[i], Index: i} }

// Piece is a run of whole entities of a catalog, which decodes on its own.
type Piece struct {
	data  []byte
	p     piece
	Index int // its place among the catalog's pieces
}

// First is the position in the catalog of the piece's first entity.
func (p Piece) First() int { return p.p.first }

// Size is the length of the piece's JSON, in bytes.
func (p Piece) Size() int { return p.p.end - p.p.start }

// Decode decodes the piece into a catalog of its entities. buf is scratch
// space for the decoder, returned grown for the next call. An error means
// the catalog is not well formed there: ParseCatalog says where and why.
func (p Piece) Decode(buf []byte) (*Catalog, []byte, error) {
	var ents []Entity
	buf, ok := decodePiece(p.data, p.p, buf, &ents)
	if !ok {
		return nil, buf, fmt.Errorf("entities #%d to #%d do not decode", p.p.first+1, p.p.first+p.p.n)
	}
	cat, err := NewCatalog(ents)
	if err != nil {
		return nil, buf, err
	}
	return cat, buf, nil
}

// Named returns a catalog of the entities that Catalog.Find would answer
// for names, decoding only the pieces that hold them. ok is false when a
// name finds no entity, or the titles cannot be compared without decoding
// them: the whole catalog is then needed.
func (c *CatalogPieces) Named(names []string) (cat *Catalog, ok bool, err error) {
	want := map[int]bool{}
	var stubs *Catalog // identifiers and titles only, for names in any case
	for _, name := range names {
		if i, ok := c.index[name]; ok {
			want[i] = true
			continue
		}
		if !c.plainTitles {
			return nil, false, nil
		}
		if stubs == nil {
			ents := make([]Entity, len(c.ids))
			for i, id := range c.ids {
				ents[i].Identifier = id
				if c.titles[i] != nil {
					ents[i].Title = string(c.titles[i])
				}
			}
			stubs = &Catalog{Entities: ents, byID: c.index, keys: &lazyKeys{}, names: &lazyIndex{}}
		}
		i, ok := stubs.Find(name)
		if !ok {
			return nil, false, nil
		}
		want[i] = true
	}
	var ents []Entity
	var buf []byte
	for pi, p := range c.pieces {
		in := false
		for i := p.first; i < p.first+p.n && !in; i++ {
			in = want[i]
		}
		if !in {
			continue
		}
		var dec *Catalog
		if dec, buf, err = c.Piece(pi).Decode(buf); err != nil {
			return nil, false, err
		}
		for k := range dec.Entities {
			if want[p.first+k] {
				ents = append(ents, dec.Entities[k])
			}
		}
	}
	cat, err = NewCatalog(ents)
	if err != nil {
		return nil, false, err
	}
	return cat, true, nil
}
