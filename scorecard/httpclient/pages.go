package httpclient

import "fmt"

// DefaultMaxEmptyPages is how many pages in a row may have no items but
// point to a next one before a listing stops: services send none, so a
// few mean the listing would go on for ever.
const DefaultMaxEmptyPages = 3

// Pages guards one paged listing against a service that pages for ever:
// a next link or cursor handed out twice, or MaxEmpty pages in a row with
// no items and yet a next one, end it with a *PagingError. The zero value
// is ready, with DefaultMaxEmptyPages.
type Pages struct {
	// MaxEmpty bounds the empty pages in a row; 0 means DefaultMaxEmptyPages.
	MaxEmpty int
	// Items and Link name what a page holds and points on with, for the
	// error: "entities", `"next" cursor`. Empty: "items", "next link".
	Items, Link string

	page  int
	empty int
	seen  map[string]int
}

// PagingError ends a listing that would not end by itself.
type PagingError struct {
	// Page is the page that broke the rule (1 is the first).
	Page int
	// Repeated: the page handed out a link page First handed out already.
	Repeated bool
	First    int
	// Empty: the pages in a row with no items but a next link.
	Empty int
	// Items and Link are Pages' words.
	Items, Link string
}

func (e *PagingError) Error() string {
	if e.Repeated {
		return e.What() + ": stopping rather than looping"
	}
	return e.What() + ": stopping rather than paging for ever"
}

// What says what the service did, without what the client does about it.
func (e *PagingError) What() string {
	if e.Repeated {
		return fmt.Sprintf("page %d handed out the same %s as page %d", e.Page, e.Link, e.First)
	}
	return fmt.Sprintf("%d pages in a row had no %s but a new %s", e.Empty, e.Items, e.Link)
}

// Next records a page read: how many items it held and its next link
// ("" for none). It returns nil when the listing may go on (or ends,
// without a link), a *PagingError when it must stop.
func (p *Pages) Next(items int, next string) error {
	p.page++
	if next == "" {
		return nil
	}
	items0, link := p.Items, p.Link
	if items0 == "" {
		items0 = "items"
	}
	if link == "" {
		link = "next link"
	}
	if first, dup := p.seen[next]; dup {
		return &PagingError{Page: p.page, Repeated: true, First: first, Items: items0, Link: link}
	}
	if p.seen == nil {
		p.seen = map[string]int{}
	}
	p.seen[next] = p.page
	if items > 0 {
		p.empty = 0
		return nil
	}
	p.empty++
	limit := p.MaxEmpty
	if limit <= 0 {
		limit = DefaultMaxEmptyPages
	}
	if p.empty >= limit {
		return &PagingError{Page: p.page, Empty: p.empty, Items: items0, Link: link}
	}
	return nil
}
