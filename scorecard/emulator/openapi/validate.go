package openapi

import (
	"fmt"
	"math"
	"net/url"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// annotations carry no constraint.
var annotations = map[string]bool{
	"description": true, "title": true, "default": true, "example": true, "examples": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "$comment": true, "uniqueItems": true,
	"nullable": true, "externalDocs": true, "discriminator": true, "xml": true,
}

// Validate returns every way val breaks schema, each with its JSON path
// from at.
func (s *Spec) Validate(schema, val any, at string) []string {
	return (&validator{spec: s}).validate(schema, val, at, false)
}

// ValidatePruned is Validate for an answer a projection pruned (a fields=
// parameter): objects inside arrays may lack their required properties.
func (s *Spec) ValidatePruned(schema, val any, at string) []string {
	return (&validator{spec: s, pruned: true}).validate(schema, val, at, false)
}

// Check is Validate, and also reports the object fields the schema does
// not declare, where it leaves additionalProperties open: an emulator that
// invents fields would let a client depend on what the API never sends.
func (s *Spec) Check(schema, val any, at string) []string {
	return append(s.Validate(schema, val, at), s.undeclared(schema, val, at)...)
}

type validator struct {
	spec   *Spec
	pruned bool
}

func (v *validator) validate(schema, val any, at string, inItems bool) []string {
	switch s := schema.(type) {
	case bool:
		if !s {
			return []string{at + ": no value is allowed here"}
		}
		return nil
	case map[string]any:
		if val == nil && s["nullable"] == true {
			return nil
		}
		return v.object(s, val, at, inItems)
	}
	return []string{fmt.Sprintf("%s: schema is %T, not an object", at, schema)}
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

func (v *validator) object(s map[string]any, val any, at string, inItems bool) []string {
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
			ref, _ := kw.(string)
			target, err := v.spec.Resolve(ref)
			if err != nil {
				fail("%v", err)
				continue
			}
			errs = append(errs, v.validate(target, val, at, inItems)...)
		case "type":
			var types []string
			switch t := kw.(type) {
			case string:
				types = []string{t}
			case []any:
				for _, x := range t {
					types = append(types, fmt.Sprint(x))
				}
			}
			ok := false
			for _, t := range types {
				ok = ok || typeOK(t, val)
			}
			if !ok {
				fail("is %s, want %s", jsonType(val), strings.Join(types, " or "))
			}
		case "enum":
			ok := false
			list, _ := kw.([]any)
			for _, e := range list {
				ok = ok || reflect.DeepEqual(e, val)
			}
			if !ok {
				fail("%v is not one of %v", val, kw)
			}
		case "const":
			if !reflect.DeepEqual(kw, val) {
				fail("%v is not %v", val, kw)
			}
		case "properties", "required", "additionalProperties", "propertyNames", "minProperties", "maxProperties":
			if obj, ok := val.(map[string]any); ok && k == "properties" {
				errs = append(errs, v.properties(s, obj, at, inItems)...)
			}
		case "items":
			if arr, ok := val.([]any); ok {
				for i, x := range arr {
					errs = append(errs, v.validate(kw, x, fmt.Sprintf("%s[%d]", at, i), true)...)
				}
			}
		case "minItems", "maxItems":
			if arr, ok := val.([]any); ok {
				n, _ := kw.(float64)
				if (k == "minItems" && float64(len(arr)) < n) || (k == "maxItems" && float64(len(arr)) > n) {
					fail("has %d items; %s is %v", len(arr), k, n)
				}
			}
		case "minLength", "maxLength":
			if str, ok := val.(string); ok {
				n, _ := kw.(float64)
				l := float64(utf8.RuneCountInString(str))
				if (k == "minLength" && l < n) || (k == "maxLength" && l > n) {
					fail("is %v characters long; %s is %v", l, k, n)
				}
			}
		case "pattern":
			if str, ok := val.(string); ok {
				src, _ := kw.(string)
				p, err := v.spec.pattern(src)
				if err != nil {
					fail("%v", err)
				} else if !p.match(str) {
					fail("%q does not match %s", str, src)
				}
			}
		case "format":
			if str, ok := val.(string); ok {
				if msg := badFormat(fmt.Sprint(kw), str); msg != "" {
					fail("%q %s", str, msg)
				}
			}
		case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
			if n, ok := val.(float64); ok {
				lim, _ := kw.(float64)
				bad := (k == "minimum" && n < lim) || (k == "maximum" && n > lim) ||
					(k == "exclusiveMinimum" && n <= lim) || (k == "exclusiveMaximum" && n >= lim)
				if bad {
					fail("%v is out of range (%s %v)", n, k, lim)
				}
			}
		case "oneOf", "anyOf":
			matched := 0
			var why []string
			list, _ := kw.([]any)
			for i, sub := range list {
				if e := v.validate(sub, val, at, inItems); len(e) == 0 {
					matched++
				} else {
					why = append(why, fmt.Sprintf("#%d: %s", i, e[0]))
				}
			}
			if (k == "oneOf" && matched != 1) || (k == "anyOf" && matched == 0) {
				fail("matches %d of the %s alternatives (%s)", matched, k, strings.Join(why, "; "))
			}
		case "allOf":
			list, _ := kw.([]any)
			for _, sub := range list {
				errs = append(errs, v.validate(sub, val, at, inItems)...)
			}
		case "not":
			if len(v.validate(kw, val, at, inItems)) == 0 {
				fail("matches a schema it must not")
			}
		case "if":
			branch := "else"
			if len(v.validate(kw, val, at, inItems)) == 0 {
				branch = "then"
			}
			if sub, ok := s[branch]; ok {
				errs = append(errs, v.validate(sub, val, at, inItems)...)
			}
		case "then", "else":
			// applied through "if"
		default:
			if !annotations[k] && !strings.HasPrefix(k, "x-") {
				fail("the validator does not support the keyword %q", k)
			}
		}
	}
	if obj, ok := val.(map[string]any); ok {
		if _, has := s["properties"]; !has {
			errs = append(errs, v.properties(s, obj, at, inItems)...)
		}
	}
	return errs
}

// properties applies properties, required, additionalProperties and propertyNames.
func (v *validator) properties(s map[string]any, obj map[string]any, at string, inItems bool) []string {
	var errs []string
	props, _ := s["properties"].(map[string]any)
	if req, ok := s["required"].([]any); ok && !(v.pruned && inItems) {
		for _, r := range req {
			if _, has := obj[fmt.Sprint(r)]; !has {
				errs = append(errs, fmt.Sprintf("%s: missing required %q", at, r))
			}
		}
	}
	names := make([]string, 0, len(obj))
	for k := range obj {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		x := obj[k]
		if pn, ok := s["propertyNames"]; ok {
			errs = append(errs, v.validate(pn, k, at+"{"+k+"}", inItems)...)
		}
		if sub, ok := props[k]; ok {
			errs = append(errs, v.validate(sub, x, at+"."+k, inItems)...)
			continue
		}
		if ap, ok := s["additionalProperties"]; ok {
			if ap == false {
				errs = append(errs, fmt.Sprintf("%s: property %q is not allowed", at, k))
			} else {
				errs = append(errs, v.validate(ap, x, at+"."+k, inItems)...)
			}
		}
	}
	return errs
}

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

// declared gathers the property schemas an object may have under schema,
// through $ref, allOf and every branch of oneOf/anyOf.
func (s *Spec) declared(schema any, into map[string][]any, items *[]any) {
	m, ok := schema.(map[string]any)
	if !ok {
		return
	}
	if ref, ok := m["$ref"].(string); ok {
		if t, err := s.Resolve(ref); err == nil {
			s.declared(t, into, items)
		}
	}
	props, _ := m["properties"].(map[string]any)
	for name, sub := range props {
		into[name] = append(into[name], sub)
	}
	if it, ok := m["items"]; ok {
		*items = append(*items, it)
	}
	for _, k := range []string{"allOf", "oneOf", "anyOf"} {
		list, _ := m[k].([]any)
		for _, sub := range list {
			s.declared(sub, into, items)
		}
	}
}

func (s *Spec) undeclared(schema, val any, at string) []string {
	props := map[string][]any{}
	var items []any
	s.declared(schema, props, &items)
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
				e := s.undeclared(sub, t[k], at+"."+k)
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
				e := s.undeclared(it, x, fmt.Sprintf("%s[%d]", at, i))
				if j == 0 || len(e) < len(best) {
					best = e
				}
			}
			errs = append(errs, best...)
		}
	}
	return errs
}

// pattern is an ECMAScript pattern in RE2: a leading negative lookahead
// "^(?!X)rest", which RE2 lacks, becomes "rest, and not X at the start".
type pattern struct {
	re, not *regexp.Regexp
}

func (p *pattern) match(s string) bool {
	return p.re.MatchString(s) && (p.not == nil || !p.not.MatchString(s))
}

func (s *Spec) pattern(src string) (*pattern, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.regexps[src]; ok {
		return p, nil
	}
	p := &pattern{}
	rest := src
	if strings.HasPrefix(src, "^(?!") {
		depth, end := 0, -1
		for i := 1; i < len(src) && end < 0; i++ {
			switch src[i] {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				depth--
				if depth == 0 {
					end = i
				}
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("pattern %q: unbalanced lookahead", src)
		}
		not, err := regexp.Compile("^(?:" + src[4:end] + ")")
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %w", src, err)
		}
		p.not = not
		rest = "^" + src[end+1:]
	}
	re, err := regexp.Compile(rest)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %w", src, err)
	}
	p.re = re
	if s.regexps == nil {
		s.regexps = map[string]*pattern{}
	}
	s.regexps[src] = p
	return p, nil
}
