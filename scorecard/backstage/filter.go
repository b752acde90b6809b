package backstage

import (
	"fmt"
	"strings"
)

// Filter is Backstage's entity filter: a list of filter sets, any of which
// may match (each is one "filter" query parameter), each a list of
// conditions that must all match (separated by commas in the parameter).
type Filter []FilterSet

// FilterSet is one "filter" parameter: conditions joined by AND.
type FilterSet []Condition

// Condition is "key" (the key exists) or "key=value". Backstage compares
// both case-insensitively.
type Condition struct {
	Key   string
	Value string
	// HasValue tells "key=" (an empty value) from "key" (exists).
	HasValue bool
}

// DefaultFilter is kind=component,spec.type=service.
func DefaultFilter() Filter {
	f, _ := ParseFilter(DefaultFilterText)
	return f
}

// ParseFilter checks BACKSTAGE_FILTER, written in Backstage's own filter
// syntax: conditions "key" or "key=value" separated by commas are all
// required; several filter sets, separated by ";", are alternatives (as
// repeated filter parameters are). For example
// "kind=component,spec.type=service;kind=component,spec.type=website".
// An empty text is the default filter.
func ParseFilter(raw string) (Filter, error) {
	if strings.TrimSpace(raw) == "" {
		raw = DefaultFilterText
	}
	var f Filter
	for i, set := range strings.Split(raw, ";") {
		set = strings.TrimSpace(set)
		if set == "" {
			return nil, fmt.Errorf("backstage.Config.Filter is %q: filter set %d is empty (separate filter sets with one \";\")", raw, i+1)
		}
		if strings.HasPrefix(set, "filter=") {
			return nil, fmt.Errorf("backstage.Config.Filter is %q: write the filter's value without \"filter=\", e.g. %s", raw, DefaultFilterText)
		}
		var fs FilterSet
		for j, part := range strings.Split(set, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				return nil, fmt.Errorf("backstage.Config.Filter is %q: condition %d of filter set %d is empty (separate conditions with one \",\")", raw, j+1, i+1)
			}
			c := Condition{Key: part}
			if k, v, ok := strings.Cut(part, "="); ok {
				c = Condition{Key: strings.TrimSpace(k), Value: strings.TrimSpace(v), HasValue: true}
			}
			if c.Key == "" {
				return nil, fmt.Errorf("backstage.Config.Filter is %q: condition %q has no key (write key=value, e.g. kind=component)", raw, part)
			}
			if strings.ContainsAny(c.Key, " \t&?#") {
				return nil, fmt.Errorf("backstage.Config.Filter is %q: key %q is not a path such as spec.type or metadata.annotations.backstage.io/orphan", raw, c.Key)
			}
			fs = append(fs, c)
		}
		f = append(f, fs)
	}
	return f, nil
}

// Params are the filter's "filter" query parameters, one per set.
func (f Filter) Params() []string {
	out := make([]string, len(f))
	for i, set := range f {
		out[i] = set.String()
	}
	return out
}

// String is the filter as BACKSTAGE_FILTER writes it.
func (f Filter) String() string { return strings.Join(f.Params(), ";") }

// String is the set as a "filter" parameter writes it.
func (s FilterSet) String() string {
	parts := make([]string, len(s))
	for i, c := range s {
		parts[i] = c.String()
	}
	return strings.Join(parts, ",")
}

// String is "key" or "key=value".
func (c Condition) String() string {
	if c.HasValue {
		return c.Key + "=" + c.Value
	}
	return c.Key
}
