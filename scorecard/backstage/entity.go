package backstage

import (
	"fmt"
	"strings"
)

// Entity is a Backstage catalog entity, as the catalog API returns it, with
// the parts prodready reads. Spec differs per kind, so it stays generic.
type Entity struct {
	APIVersion string         `json:"apiVersion,omitempty"`
	Kind       string         `json:"kind,omitempty"`
	Metadata   Metadata       `json:"metadata"`
	Spec       map[string]any `json:"spec,omitempty"`
	Relations  []Relation     `json:"relations,omitempty"`
}

// Metadata is an entity's metadata.
type Metadata struct {
	Name        string            `json:"name"`
	Namespace   string            `json:"namespace,omitempty"`
	Title       string            `json:"title,omitempty"`
	Description string            `json:"description,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	Links       []Link            `json:"links,omitempty"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	UID         string            `json:"uid,omitempty"`
}

// Link is one of an entity's links.
type Link struct {
	URL   string `json:"url"`
	Title string `json:"title,omitempty"`
	Icon  string `json:"icon,omitempty"`
	Type  string `json:"type,omitempty"`
}

// Relation is one of an entity's relations, computed by the catalog.
type Relation struct {
	Type      string `json:"type"`
	TargetRef string `json:"targetRef"`
}

// DefaultNamespace is the namespace of an entity that names none.
const DefaultNamespace = "default"

// Ref is an entity reference, [kind:][namespace/]name.
type Ref struct {
	Kind, Namespace, Name string
}

// String is the full reference, kind:namespace/name, lower-cased kind.
func (r Ref) String() string { return strings.ToLower(r.Kind) + ":" + r.Namespace + "/" + r.Name }

// ParseRef reads an entity reference, filling the kind and namespace it
// leaves out with defaultKind and defaultNamespace (Backstage resolves an
// owner relative to the entity: the owning entity's namespace, kind group).
func ParseRef(ref, defaultKind, defaultNamespace string) (Ref, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return Ref{}, fmt.Errorf("the entity reference is empty")
	}
	r := Ref{Kind: defaultKind, Namespace: defaultNamespace}
	rest := ref
	if k, after, ok := strings.Cut(rest, ":"); ok {
		if k == "" {
			return Ref{}, fmt.Errorf("entity reference %q has an empty kind before \":\"", ref)
		}
		r.Kind, rest = k, after
	}
	if ns, after, ok := strings.Cut(rest, "/"); ok {
		if ns == "" {
			return Ref{}, fmt.Errorf("entity reference %q has an empty namespace before \"/\"", ref)
		}
		r.Namespace, rest = ns, after
	}
	if rest == "" || strings.ContainsAny(rest, ":/") {
		return Ref{}, fmt.Errorf("entity reference %q is not [kind:][namespace/]name", ref)
	}
	r.Name = rest
	if r.Namespace == "" {
		r.Namespace = DefaultNamespace
	}
	return r, nil
}

// namespaceOf is the entity's namespace, default when it names none.
func (e *Entity) namespaceOf() string {
	if e.Metadata.Namespace == "" {
		return DefaultNamespace
	}
	return e.Metadata.Namespace
}

// Ref is the entity's own reference.
func (e *Entity) Ref() Ref {
	return Ref{Kind: strings.ToLower(e.Kind), Namespace: e.namespaceOf(), Name: e.Metadata.Name}
}

// Identifier is the name prodready gives an entity or team of this
// namespace: the name alone in the default namespace, "namespace/name"
// elsewhere, so that equal names in two namespaces stay two entities.
func Identifier(namespace, name string) string {
	if namespace == "" || strings.EqualFold(namespace, DefaultNamespace) {
		return name
	}
	return namespace + "/" + name
}

func (e *Entity) specString(key string) string {
	s, _ := e.Spec[key].(string)
	return strings.TrimSpace(s)
}

func (e *Entity) specStrings(key string) []string {
	list, _ := e.Spec[key].([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		if s, ok := x.(string); ok && strings.TrimSpace(s) != "" {
			out = append(out, strings.TrimSpace(s))
		}
	}
	return out
}

func (e *Entity) profileString(key string) string {
	p, _ := e.Spec["profile"].(map[string]any)
	s, _ := p[key].(string)
	return strings.TrimSpace(s)
}
