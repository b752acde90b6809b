package scorecard

import (
	"context"
	"time"
)

// Collector gathers facts about services from a system that is not a
// catalog (GitHub, PagerDuty): it knows repositories or on-call services,
// not the company's list of services. Its facts are joined to a catalog's
// entities by Join, or stand in for a catalog when there is none.
type Collector interface {
	// Collect reads the facts at now. A fact that could not be read is
	// absent from its record's Properties (or null) and explained once in
	// Facts.Warnings; Collect fails only when nothing usable was read.
	Collect(ctx context.Context, now time.Time) (*Facts, error)
	// Describe names the collector for a log line, without secrets.
	Describe() string
	// Provides names the fields its records fill, known without calling
	// the system: property names, and TeamProperty when it says which
	// team owns a subject. `prodready properties` lists from it.
	Provides() []string
}

// Facts is what one collection yields.
type Facts struct {
	// Source names the collector in provenance: "github", "pagerduty".
	Source string
	// Records hold one subject each: a repository, a PagerDuty service.
	Records []FactRecord
	// Warnings are said once per run: a permission missing, a repository
	// that could not be read. Each names what to grant or fix.
	Warnings []string
}

// FactRecord is the facts about one subject, with the keys that join it to
// an entity.
type FactRecord struct {
	// Join says which entities this record belongs to.
	Join JoinKeys
	// Identifier and Title are used when the record stands in for an
	// entity (no catalog): the repository name, for GitHub.
	Identifier string
	Title      string
	// Teams own the subject, when the collector can tell (CODEOWNERS).
	Teams []string
	// Properties are the facts, under the property names scorecards read.
	// A nil value is a fact known to be absent (no README).
	Properties map[string]any
}

// JoinKeys are the ways a record can match an entity, tried in order:
// the entity's Property (or Annotation, for catalogs such as Backstage's
// that keep annotations as properties) equal to Value, then the entity's
// identifier or title equal to Name (Name's case ignored when FoldName).
type JoinKeys struct {
	// Property is the entity property holding the subject's key, e.g.
	// "repository" or "pagerduty_service_id"; Annotation the catalog
	// annotation holding it, e.g. "github.com/project-slug".
	Property   string
	Annotation string
	Value      string
	// Name is matched against the entity's identifier (and its title when
	// MatchTitle).
	Name       string
	MatchTitle bool
	FoldName   bool
}
