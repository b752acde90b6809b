package backstage

import (
	"fmt"
	"sort"
	"strings"

	"github.com/prodready/prodready/scorecard"
)

// Blueprint is the blueprint every mapped component gets.
const Blueprint = "service"

// ComponentFields are the only fields asked of Backstage for components:
// what Map reads, nothing more (the catalog prunes the rest, so a page is
// a fraction of the whole entities).
var componentFields = []string{
	"kind",
	"metadata.name", "metadata.namespace", "metadata.title", "metadata.description",
	"metadata.tags", "metadata.links", "metadata.annotations",
	"spec.type", "spec.lifecycle", "spec.owner", "spec.system",
}

var groupFields = []string{"kind", "metadata.name", "metadata.namespace", "metadata.title", "spec.profile.displayName", "spec.members"}

var userFields = []string{"kind", "metadata.name", "metadata.namespace", "spec.profile.email", "spec.memberOf"}

// ComponentFields returns the fields asked of Backstage for components.
func ComponentFields() []string { return append([]string(nil), componentFields...) }

// Map turns a Backstage component into an entity in Port's shape:
//
//   - identifier: metadata.name, "namespace/name" outside the default namespace;
//   - title: metadata.title, else the name;
//   - blueprint: service;
//   - team ($team): the name of the group in spec.owner, resolved as
//     Backstage does (kind group and the entity's own namespace unless the
//     reference says otherwise; "namespace/name" outside the default one).
//     A user as owner gives no team and a warning: a team is who gets the
//     notices, and a person is not one; the property "owner" keeps the
//     reference for rules that accept it;
//   - properties: lifecycle, type, system, owner (the full reference),
//     description, tags, links (their URLs), and every annotation under its
//     own key ("pagerduty.com/service-id", "github.com/project-slug", …).
//
// The warnings say what could not be mapped.
func Map(e *Entity) (scorecard.Entity, []string) {
	ns := e.namespaceOf()
	id := Identifier(ns, e.Metadata.Name)
	out := scorecard.Entity{Identifier: id, Title: e.Metadata.Title, Blueprint: Blueprint}
	if out.Title == "" {
		out.Title = e.Metadata.Name
	}
	props := make(map[string]any, 8+len(e.Metadata.Annotations))
	// Annotations first: the spec's own fields win a clash with an annotation
	// of the same key (an annotation called "lifecycle" is not the lifecycle).
	for k, v := range e.Metadata.Annotations {
		props[k] = v
	}
	put := func(k, v string) {
		if v != "" {
			props[k] = v
		}
	}
	put("lifecycle", e.specString("lifecycle"))
	put("type", e.specString("type"))
	put("system", e.specString("system"))
	put("description", strings.TrimSpace(e.Metadata.Description))
	if len(e.Metadata.Tags) > 0 {
		tags := make([]any, len(e.Metadata.Tags))
		for i, t := range e.Metadata.Tags {
			tags[i] = t
		}
		props["tags"] = tags
	}
	if len(e.Metadata.Links) > 0 {
		links := make([]any, 0, len(e.Metadata.Links))
		for _, l := range e.Metadata.Links {
			if l.URL != "" {
				links = append(links, l.URL)
			}
		}
		props["links"] = links
	}
	var warnings []string
	owner := e.specString("owner")
	switch {
	case owner == "":
		warnings = append(warnings, "has no spec.owner: no team")
	default:
		ref, err := ParseRef(owner, "group", ns)
		switch {
		case err != nil:
			warnings = append(warnings, fmt.Sprintf("spec.owner: %v: no team", err))
		case strings.EqualFold(ref.Kind, "group"):
			out.Team = scorecard.Teams{Identifier(ref.Namespace, ref.Name)}
			props["owner"] = ref.String()
		default:
			props["owner"] = ref.String()
			warnings = append(warnings, fmt.Sprintf("is owned by %s, a %s rather than a group: no team (make a group its owner)", ref, strings.ToLower(ref.Kind)))
		}
	}
	out.Properties = props
	return out, warnings
}

// teamsOf builds the teams from groups and users: a group's members are its
// spec.members and the users whose spec.memberOf names it; their emails are
// the users' spec.profile.email.
func teamsOf(groups, users []Entity) ([]scorecard.Team, []string) {
	emails := map[string]string{} // user ref -> email
	memberOf := map[string][]string{}
	for i := range users {
		u := &users[i]
		ref := u.Ref()
		ref.Kind = "user"
		email := u.profileString("email")
		if email != "" {
			emails[strings.ToLower(ref.String())] = email
		}
		for _, g := range u.specStrings("memberOf") {
			gr, err := ParseRef(g, "group", ref.Namespace)
			if err == nil {
				k := strings.ToLower(gr.String())
				memberOf[k] = append(memberOf[k], strings.ToLower(ref.String()))
			}
		}
	}
	var warnings []string
	out := make([]scorecard.Team, 0, len(groups))
	for i := range groups {
		g := &groups[i]
		ref := g.Ref()
		ref.Kind = "group"
		t := scorecard.Team{Identifier: Identifier(ref.Namespace, ref.Name), Name: g.profileString("displayName")}
		if t.Name == "" {
			t.Name = g.Metadata.Title
		}
		if t.Name == "" {
			t.Name = g.Metadata.Name
		}
		seen := map[string]bool{}
		members := memberOf[strings.ToLower(ref.String())]
		for _, m := range g.specStrings("members") {
			mr, err := ParseRef(m, "user", ref.Namespace)
			if err != nil {
				warnings = append(warnings, fmt.Sprintf("group %s: spec.members: %v", ref, err))
				continue
			}
			members = append(members, strings.ToLower(mr.String()))
		}
		for _, m := range members {
			if e := emails[m]; e != "" && !seen[e] {
				seen[e] = true
				t.Emails = append(t.Emails, e)
			}
		}
		sort.Strings(t.Emails)
		out = append(out, t)
	}
	return out, warnings
}

// mappedProperties are the fields Map fills, besides annotations.
var mappedProperties = []string{"$identifier", "$title", "$blueprint", "$team",
	"lifecycle", "type", "system", "owner", "description", "tags", "links"}

// Provides reports whether Map can fill the field a scorecard reads: a
// meta-property or property it maps, or an annotation (Backstage's
// annotation keys are "prefix/name", such as "pagerduty.com/service-id").
// Relations are never mapped. For `prodready properties`, which says where
// each field comes from.
func Provides(name string, relation bool) bool {
	if relation {
		return false
	}
	for _, p := range mappedProperties {
		if p == name {
			return true
		}
	}
	return strings.Contains(name, "/") && !strings.HasPrefix(name, "$")
}
