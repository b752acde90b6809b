package pagerdutytest_test

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// validator checks JSON values against the JSON Schema subset PagerDuty's
// OpenAPI uses. A keyword it does not know is an error, never a silent pass.
// Beyond the schema, it reports object fields the schema does not declare:
// PagerDuty's schemas leave additionalProperties open, and an emulator that
// invents fields would let a client depend on what PagerDuty never sends.
type validator struct {
	root map[string]any // the whole OpenAPI document, for $ref
}

// annotations carry no constraint.
var annotations = map[string]bool{
	"description": true, "title": true, "default": true, "example": true, "examples": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "uniqueItems": true, "nullable": true,
}

func (v *validator) resolve(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	var cur any = v.root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		switch c := cur.(type) {
		case map[string]any:
			next, ok := c[part]
			if !ok {
				return nil, fmt.Errorf("$ref %q: no %q", ref, part)
			}
			cur = next
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(c) {
				return nil, fmt.Errorf("$ref %q: no item %q", ref, part)
			}
			cur = c[i]
		default:
			return nil, fmt.Errorf("$ref %q: %q is not in an object or array", ref, part)
		}
	}
	return cur, nil
}

// check validates val and reports undeclared fields.
func (v *validator) check(schema, val any, at string) []string {
	return append(v.validate(schema, val, at), v.undeclared(schema, val, at)...)
}

func (v *validator) validate(schema any, val any, at string) []string {
	s, ok := schema.(map[string]any)
	if !ok {
		return []string{fmt.Sprintf("%s: schema is %T, not an object", at, schema)}
	}
	if val == nil && s["nullable"] == true {
		return nil
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	keys := make([]string, 0, len(s))
	for k := range s {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kw := s[k]
		switch k {
		case "$ref":
			target, err := v.resolve(kw.(string))
			if err != nil {
				fail("%v", err)
				continue
			}
			errs = append(errs, v.validate(target, val, at)...)
		case "type":
			if !typeOK(kw.(string), val) {
				fail("is %s, want %s", jsonType(val), kw)
			}
		case "enum":
			found := false
			for _, e := range kw.([]any) {
				found = found || reflect.DeepEqual(e, val)
			}
			if !found {
				fail("%v is not one of %v", val, kw)
			}
		case "properties":
			obj, isObj := val.(map[string]any)
			if !isObj {
				continue
			}
			for name, sub := range kw.(map[string]any) {
				if x, has := obj[name]; has {
					errs = append(errs, v.validate(sub, x, at+"."+name)...)
				}
			}
		case "required":
			if obj, isObj := val.(map[string]any); isObj {
				for _, r := range kw.([]any) {
					if _, has := obj[r.(string)]; !has {
						fail("missing required %q", r)
					}
				}
			}
		case "additionalProperties":
			if obj, isObj := val.(map[string]any); isObj && kw != true {
				props, _ := s["properties"].(map[string]any)
				for name, x := range obj {
					if _, declared := props[name]; declared {
						continue
					}
					if kw == false {
						fail("property %q is not allowed", name)
					} else {
						errs = append(errs, v.validate(kw, x, at+"."+name)...)
					}
				}
			}
		case "items":
			if arr, isArr := val.([]any); isArr {
				for i, x := range arr {
					errs = append(errs, v.validate(kw, x, fmt.Sprintf("%s[%d]", at, i))...)
				}
			}
		case "minItems", "maxItems":
			if arr, isArr := val.([]any); isArr {
				n := kw.(float64)
				if (k == "minItems" && float64(len(arr)) < n) || (k == "maxItems" && float64(len(arr)) > n) {
					fail("has %d items; %s is %v", len(arr), k, n)
				}
			}
		case "minLength", "maxLength":
			if str, isStr := val.(string); isStr {
				n, l := kw.(float64), float64(utf8.RuneCountInString(str))
				if (k == "minLength" && l < n) || (k == "maxLength" && l > n) {
					fail("is %v characters long; %s is %v", l, k, n)
				}
			}
		case "minimum", "maximum":
			if n, isNum := val.(float64); isNum {
				lim := kw.(float64)
				if (k == "minimum" && n < lim) || (k == "maximum" && n > lim) {
					fail("%v is out of range (%s %v)", n, k, lim)
				}
			}
		case "format":
			if str, isStr := val.(string); isStr {
				if msg := badFormat(kw.(string), str); msg != "" {
					fail("%q %s", str, msg)
				}
			}
		case "oneOf", "anyOf":
			matched := 0
			var why []string
			for i, sub := range kw.([]any) {
				if e := v.validate(sub, val, at); len(e) == 0 {
					matched++
				} else {
					why = append(why, fmt.Sprintf("#%d: %s", i, e[0]))
				}
			}
			if (k == "oneOf" && matched != 1) || (k == "anyOf" && matched == 0) {
				fail("matches %d of the %s alternatives (%s)", matched, k, strings.Join(why, "; "))
			}
		case "allOf":
			for _, sub := range kw.([]any) {
				errs = append(errs, v.validate(sub, val, at)...)
			}
		default:
			if !annotations[k] && !strings.HasPrefix(k, "x-") {
				fail("the validator does not support the keyword %q", k)
			}
		}
	}
	return errs
}

// declared gathers the property schemas an object may have under schema,
// through $ref, allOf and every branch of oneOf/anyOf.
func (v *validator) declared(schema any, into map[string][]any, items *[]any) {
	s, ok := schema.(map[string]any)
	if !ok {
		return
	}
	if ref, ok := s["$ref"].(string); ok {
		if t, err := v.resolve(ref); err == nil {
			v.declared(t, into, items)
		}
	}
	for name, sub := range mapOf(s["properties"]) {
		into[name] = append(into[name], sub)
	}
	if it, ok := s["items"]; ok {
		*items = append(*items, it)
	}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		for _, sub := range listOf(s[k]) {
			v.declared(sub, into, items)
		}
	}
}

func (v *validator) undeclared(schema, val any, at string) []string {
	props := map[string][]any{}
	var items []any
	v.declared(schema, props, &items)
	var errs []string
	switch t := val.(type) {
	case map[string]any:
		if len(props) == 0 {
			return nil // a free-form object
		}
		names := make([]string, 0, len(t))
		for k := range t {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, k := range names {
			subs, ok := props[k]
			if !ok {
				errs = append(errs, fmt.Sprintf("%s: field %q is not in the spec", at, k))
				continue
			}
			// A field is declared if any of its schemas accepts its fields.
			var best []string
			for i, sub := range subs {
				e := v.undeclared(sub, t[k], at+"."+k)
				if i == 0 || len(e) < len(best) {
					best = e
				}
			}
			errs = append(errs, best...)
		}
	case []any:
		for i, x := range t {
			var best []string
			for j, it := range items {
				e := v.undeclared(it, x, fmt.Sprintf("%s[%d]", at, i))
				if j == 0 || len(e) < len(best) {
					best = e
				}
			}
			errs = append(errs, best...)
		}
	}
	return errs
}

func mapOf(x any) map[string]any { m, _ := x.(map[string]any); return m }
func listOf(x any) []any         { l, _ := x.([]any); return l }

func badFormat(format, s string) string {
	switch format {
	case "date-time":
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return "is not a date-time"
		}
	case "url", "uri":
		if u, err := url.Parse(s); err != nil || u.Scheme == "" || u.Host == "" {
			return "is not an absolute URL"
		}
	case "email":
		if i := strings.IndexByte(s, '@'); i < 1 || i == len(s)-1 {
			return "is not an email address"
		}
	}
	return ""
}

func jsonType(x any) string {
	switch t := x.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case float64:
		if t == math.Trunc(t) {
			return "integer"
		}
		return "number"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return fmt.Sprintf("%T", x)
}

func typeOK(want string, x any) bool {
	got := jsonType(x)
	return want == got || (want == "number" && got == "integer")
}
