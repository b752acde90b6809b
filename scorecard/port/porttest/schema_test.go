package porttest_test

import (
	"fmt"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// validator checks JSON values against the JSON Schema subset Port's OpenAPI
// uses. A keyword it does not know is an error, never a silent pass.
type validator struct {
	root    map[string]any // the whole OpenAPI document, for $ref
	regexps map[string]*pattern
}

// annotations carry no constraint.
var annotations = map[string]bool{
	"description": true, "title": true, "default": true, "example": true, "examples": true,
	"deprecated": true, "readOnly": true, "writeOnly": true, "$comment": true,
}

// pattern is an ECMAScript pattern in RE2: a leading negative lookahead
// "^(?!X)rest", which RE2 lacks, becomes "rest, and not X at the start".
type pattern struct {
	re, not *regexp.Regexp
}

func (p *pattern) match(s string) bool {
	return p.re.MatchString(s) && (p.not == nil || !p.not.MatchString(s))
}

func (v *validator) pattern(src string) (*pattern, error) {
	if p, ok := v.regexps[src]; ok {
		return p, nil
	}
	p := &pattern{}
	rest := src
	if strings.HasPrefix(src, "^(?!") {
		depth, end := 0, -1
		for i := 1; i < len(src); i++ {
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
			if end >= 0 {
				break
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("pattern %q: unbalanced lookahead", src)
		}
		not, err := regexp.Compile("^(?:" + src[4:end] + ")")
		if err != nil {
			return nil, fmt.Errorf("pattern %q: %v", src, err)
		}
		p.not = not
		rest = "^" + src[end+1:]
	}
	re, err := regexp.Compile(rest)
	if err != nil {
		return nil, fmt.Errorf("pattern %q: %v", src, err)
	}
	p.re = re
	if v.regexps == nil {
		v.regexps = map[string]*pattern{}
	}
	v.regexps[src] = p
	return p, nil
}

// resolve follows a local $ref ("#/components/schemas/def-7").
func (v *validator) resolve(ref string) (any, error) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, fmt.Errorf("$ref %q is not local", ref)
	}
	var cur any = v.root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("$ref %q: %q is not in an object", ref, part)
		}
		if cur, ok = m[part]; !ok {
			return nil, fmt.Errorf("$ref %q: no %q", ref, part)
		}
	}
	return cur, nil
}

// validate returns every violation, each with its JSON path.
func (v *validator) validate(schema any, val any, at string) []string {
	switch s := schema.(type) {
	case bool:
		if !s {
			return []string{at + ": no value is allowed here"}
		}
		return nil
	case map[string]any:
		return v.object(s, val, at)
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

func (v *validator) object(s map[string]any, val any, at string) []string {
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
			var types []string
			switch t := kw.(type) {
			case string:
				types = []string{t}
			case []any:
				for _, x := range t {
					types = append(types, x.(string))
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
			for _, e := range kw.([]any) {
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
				errs = append(errs, v.properties(s, obj, at)...)
			}
		case "items":
			if arr, ok := val.([]any); ok {
				for i, x := range arr {
					errs = append(errs, v.validate(kw, x, fmt.Sprintf("%s[%d]", at, i))...)
				}
			}
		case "minItems", "maxItems":
			if arr, ok := val.([]any); ok {
				n := kw.(float64)
				if (k == "minItems" && float64(len(arr)) < n) || (k == "maxItems" && float64(len(arr)) > n) {
					fail("has %d items; %s is %v", len(arr), k, n)
				}
			}
		case "minLength", "maxLength":
			if str, ok := val.(string); ok {
				n, l := kw.(float64), float64(utf8.RuneCountInString(str))
				if (k == "minLength" && l < n) || (k == "maxLength" && l > n) {
					fail("is %v characters long; %s is %v", l, k, n)
				}
			}
		case "pattern":
			if str, ok := val.(string); ok {
				p, err := v.pattern(kw.(string))
				if err != nil {
					fail("%v", err)
				} else if !p.match(str) {
					fail("%q does not match %s", str, kw)
				}
			}
		case "format":
			if str, ok := val.(string); ok && kw == "date-time" {
				if _, err := time.Parse(time.RFC3339Nano, str); err != nil {
					fail("%q is not a date-time", str)
				}
			}
		case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
			if n, ok := val.(float64); ok {
				lim := kw.(float64)
				bad := (k == "minimum" && n < lim) || (k == "maximum" && n > lim) ||
					(k == "exclusiveMinimum" && n <= lim) || (k == "exclusiveMaximum" && n >= lim)
				if bad {
					fail("%v is out of range (%s %v)", n, k, lim)
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
		case "not":
			if len(v.validate(kw, val, at)) == 0 {
				fail("matches a schema it must not")
			}
		case "if":
			branch := "else"
			if len(v.validate(kw, val, at)) == 0 {
				branch = "then"
			}
			if sub, ok := s[branch]; ok {
				errs = append(errs, v.validate(sub, val, at)...)
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
			errs = append(errs, v.properties(s, obj, at)...)
		}
	}
	return errs
}

// properties applies properties, required, additionalProperties and propertyNames.
func (v *validator) properties(s map[string]any, obj map[string]any, at string) []string {
	var errs []string
	props, _ := s["properties"].(map[string]any)
	if req, ok := s["required"].([]any); ok {
		for _, r := range req {
			if _, has := obj[r.(string)]; !has {
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
			errs = append(errs, v.validate(pn, k, at+"{"+k+"}")...)
		}
		if sub, ok := props[k]; ok {
			errs = append(errs, v.validate(sub, x, at+"."+k)...)
			continue
		}
		if ap, ok := s["additionalProperties"]; ok {
			if ap == false {
				errs = append(errs, fmt.Sprintf("%s: property %q is not allowed", at, k))
			} else {
				errs = append(errs, v.validate(ap, x, at+"."+k)...)
			}
		}
	}
	return errs
}

// normalize turns YAML's decoded values into JSON's: every number a float64,
// every map keyed by string.
func normalize(x any) any {
	switch t := x.(type) {
	case map[string]any:
		for k, v := range t {
			t[k] = normalize(v)
		}
		return t
	case map[any]any:
		m := make(map[string]any, len(t))
		for k, v := range t {
			m[fmt.Sprint(k)] = normalize(v)
		}
		return m
	case []any:
		for i, v := range t {
			t[i] = normalize(v)
		}
		return t
	case int:
		return float64(t)
	case int64:
		return float64(t)
	case uint64:
		return float64(t)
	}
	return x
}
