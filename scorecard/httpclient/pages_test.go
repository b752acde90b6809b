package httpclient

import (
	"errors"
	"testing"
)

func TestPages(t *testing.T) {
	type page struct {
		items int
		next  string
	}
	for _, tc := range []struct {
		name  string
		pages []page
		stop  int    // the page that ends the listing with an error; 0: none
		says  string // its text
	}{
		{"ends without a link", []page{{2, "a"}, {2, "b"}, {1, ""}}, 0, ""},
		{"a link to the same page", []page{{2, "a"}, {2, "a"}}, 2, "page 2 handed out the same next link as page 1: stopping rather than looping"},
		{"a link seen before", []page{{2, "a"}, {2, "b"}, {2, "a"}}, 3, "page 3 handed out the same next link as page 1: stopping rather than looping"},
		{"two empty pages are tolerated", []page{{0, "a"}, {0, "b"}, {1, "c"}, {0, "d"}, {0, ""}}, 0, ""},
		{"three empty pages in a row", []page{{1, "a"}, {0, "b"}, {0, "c"}, {0, "d"}}, 4, "3 pages in a row had no items but a new next link: stopping rather than paging for ever"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var p Pages
			for i, pg := range tc.pages {
				err := p.Next(pg.items, pg.next)
				if i+1 == tc.stop {
					var pe *PagingError
					if !errors.As(err, &pe) || pe.Page != tc.stop || err.Error() != tc.says {
						t.Fatalf("page %d: %v; want %q", i+1, err, tc.says)
					}
					return
				}
				if err != nil {
					t.Fatalf("page %d: %v", i+1, err)
				}
			}
			if tc.stop != 0 {
				t.Fatalf("no error; want one at page %d", tc.stop)
			}
		})
	}
	p := Pages{MaxEmpty: 1, Items: "entities", Link: `"next" cursor`}
	if err := p.Next(0, "x"); err == nil || err.Error() != `1 pages in a row had no entities but a new "next" cursor: stopping rather than paging for ever` {
		t.Errorf("with MaxEmpty 1 and words: %v", err)
	}
}
