package githubtest_test

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// validator checks JSON values against the OpenAPI 3.0 schema subset
// GitHub's description uses: $ref, type with nullable, properties and
// required, items, enum, allOf, anyOf, oneOf, additionalProperties.
// Annotations and formats are not checked; any other keyword is an error,
// never a silent pass.
type validator struct {
	root map[string]any
}

var ignored = map[string]bool{
	"description": true, "title": true, "example": true, "examples": true, "format": true, "deprecated": true,
	"readOnly": true, "writeOnly": true, "default": true, "nullable": true, "externalDocs": true,
	"minimum": true, "maximum": true, "minLength": true, "maxLength": true, "pattern": true, "minItems": true,
	"maxItems": true, "uniqueItems": true, "x-github": true, "discriminator": true,
}

func (v *validator) resolve(ref string) map[string]any {
	var cur any = v.root
	for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
		cur = cur.(map[string]any)[part]
	}
	m, _ := cur.(map[string]any)
	return m
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

func (v *validator) validate(s map[string]any, x any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		return v.validate(v.resolve(ref), x, at)
	}
	if x == nil {
		if s["nullable"] == true {
			return nil
		}
		if _, typed := s["type"]; typed {
			return []string{at + ": null where the schema does not allow it"}
		}
	}
	var errs []string
	for k := range s {
		switch k {
		case "type", "properties", "required", "items", "enum", "allOf", "anyOf", "oneOf", "additionalProperties":
		default:
			if !ignored[k] && !strings.HasPrefix(k, "x-") {
				errs = append(errs, fmt.Sprintf("%s: schema keyword %q is not supported by the validator", at, k))
			}
		}
	}
	if typ, ok := s["type"].(string); ok && x != nil {
		got := jsonType(x)
		if !(got == typ || (typ == "number" && got == "integer")) {
			return append(errs, fmt.Sprintf("%s: %s, want %s", at, got, typ))
		}
	}
	if enum, ok := s["enum"].([]any); ok && x != nil {
		found := false
		for _, e := range enum {
			if e == x {
				found = true
			}
		}
		if !found {
			errs = append(errs, fmt.Sprintf("%s: %v is not one of %v", at, x, enum))
		}
	}
	if obj, ok := x.(map[string]any); ok {
		props, _ := s["properties"].(map[string]any)
		req, _ := s["required"].([]any)
		for _, r := range req {
			if _, has := obj[r.(string)]; !has {
				errs = append(errs, fmt.Sprintf("%s: required %q is missing", at, r))
			}
		}
		keys := make([]string, 0, len(obj))
		for k := range obj {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if ps, ok := props[k].(map[string]any); ok {
				errs = append(errs, v.validate(ps, obj[k], at+"."+k)...)
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				errs = append(errs, v.validate(ap, obj[k], at+"."+k)...)
			} else if s["additionalProperties"] == false {
				errs = append(errs, fmt.Sprintf("%s: %q is not allowed", at, k))
			}
		}
	}
	if arr, ok := x.([]any); ok {
		if items, ok := s["items"].(map[string]any); ok {
			for i, it := range arr {
				errs = append(errs, v.validate(items, it, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	}
	if all, ok := s["allOf"].([]any); ok {
		for _, sub := range all {
			errs = append(errs, v.validate(sub.(map[string]any), x, at)...)
		}
	}
	for _, kw := range []string{"anyOf", "oneOf"} {
		alts, ok := s[kw].([]any)
		if !ok {
			continue
		}
		matched := 0
		var first []string
		for _, sub := range alts {
			e := v.validate(sub.(map[string]any), x, at)
			if len(e) == 0 {
				matched++
			} else if first == nil {
				first = e
			}
		}
		switch {
		case matched == 0:
			errs = append(errs, fmt.Sprintf("%s: matches none of %s (first: %s)", at, kw, strings.Join(first, "; ")))
		case kw == "oneOf" && matched > 1:
			errs = append(errs, fmt.Sprintf("%s: matches %d alternatives of oneOf", at, matched))
		}
	}
	return errs
}
