package backstage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/prodready/prodready/scorecard/httpclient"
)

// QueryPath is the catalog's entity listing, under CatalogPath.
const QueryPath = "/entities/by-query"

// queryResponse is GET /entities/by-query.
type queryResponse struct {
	Items      []Entity `json:"items"`
	TotalItems *float64 `json:"totalItems"`
	PageInfo   *struct {
		NextCursor string `json:"nextCursor"`
	} `json:"pageInfo"`
}

// List reads every entity that filter matches, with only fields, following
// pageInfo.nextCursor until it is absent. The first page carries the
// filter; the next ones only the cursor (Backstage keeps the filter in it
// and ignores a filter sent beside one), with fields and limit again. A
// cursor handed out twice, 3 empty pages in a row that still hand out a
// cursor, more than Config.MaxPages pages, or ctx's deadline end the
// listing with an error that says which.
func (c *Client) List(ctx context.Context, filter Filter, fields []string) ([]Entity, error) {
	endpoint := "GET " + CatalogPath + QueryPath
	first := url.Values{"limit": {strconv.Itoa(c.cfg.PageSize)}}
	if len(fields) > 0 {
		first.Set("fields", strings.Join(fields, ","))
	}
	q := url.Values{}
	for k, v := range first {
		q[k] = v
	}
	for _, p := range filter.Params() {
		q.Add("filter", p)
	}
	var all []Entity
	pages := httpclient.Pages{Items: "entities", Link: "nextCursor"}
	for page := 1; ; page++ {
		if page > c.cfg.MaxPages {
			return nil, fmt.Errorf("%s (filter %s): still more pages after %d pages of %d (%d entities): stopping rather than reading forever (is the catalog that large? raise the page limit)",
				endpoint, filter, c.cfg.MaxPages, c.cfg.PageSize, len(all))
		}
		body, err := c.get(ctx, QueryPath, q)
		if err != nil {
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, fmt.Errorf("list entities (filter %s): gave up at page %d after %d entities (%v): %w", filter, page, len(all), context.Cause(ctx), err)
			}
			return nil, fmt.Errorf("list entities (filter %s), page %d: %w", filter, page, err)
		}
		var resp queryResponse
		if err := json.Unmarshal(body, &resp); err != nil {
			return nil, fmt.Errorf("list entities (filter %s), page %d: %s: the answer is not Backstage's {\"items\", \"pageInfo\"}: %v", filter, page, endpoint, err)
		}
		if resp.Items == nil && resp.PageInfo == nil {
			return nil, fmt.Errorf("list entities (filter %s), page %d: %s: the answer has neither \"items\" nor \"pageInfo\" (is backstage.Config.BaseURL the Backstage backend?)", filter, page, endpoint)
		}
		if all == nil {
			all = make([]Entity, 0, len(resp.Items))
		}
		all = append(all, resp.Items...)
		if resp.PageInfo == nil || resp.PageInfo.NextCursor == "" {
			return all, nil
		}
		next := resp.PageInfo.NextCursor
		if err := pages.Next(len(resp.Items), next); err != nil {
			return nil, fmt.Errorf("%s (filter %s), page %d: %w", endpoint, filter, page, err)
		}
		q = url.Values{"cursor": {next}}
		for k, v := range first {
			q[k] = v
		}
	}
}
