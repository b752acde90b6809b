package history

import "fmt"

// layoutVersion is the schema version that stores results by change: each
// (entity version, scorecard version) pair's result once per span of
// snapshots it held for, instead of once per snapshot.
const layoutVersion = 6

// layoutTables hold the results. A result row of results_open holds from
// snapshot valid_from on, up to the newest snapshot; one of results_closed
// held for the snapshots valid_from ≤ id < valid_to. Snapshot ids grow in
// the order snapshots are committed (saves take turns), so snapshot X is
// the open rows with valid_from ≤ X and the closed ones whose span holds X.
// results_closed is keyed by valid_to first: reading an old snapshot and
// pruning both take a range of it.
func layoutTables(d dialect) []string {
	return []string{
		`CREATE TABLE IF NOT EXISTS results_open (
			entity_id BIGINT NOT NULL,
			scorecard_id BIGINT NOT NULL,
			level SMALLINT NOT NULL,
			pass ` + d.blob + ` NOT NULL,
			valid_from BIGINT NOT NULL,
			PRIMARY KEY (entity_id, scorecard_id))` + d.withoutRowID,
		`CREATE TABLE IF NOT EXISTS results_closed (
			valid_to BIGINT NOT NULL,
			entity_id BIGINT NOT NULL,
			scorecard_id BIGINT NOT NULL,
			level SMALLINT NOT NULL,
			pass ` + d.blob + ` NOT NULL,
			valid_from BIGINT NOT NULL,
			PRIMARY KEY (valid_to, entity_id, scorecard_id))` + d.withoutRowID,
	}
}

// oldWriterRefusal is the error a prodready that writes the layout before
// schema version 6 gets when it adds a snapshot to a migrated history: it
// knows nothing of the layout column, so its rows arrive with layout 0.
var oldWriterRefusal = fmt.Sprintf("this history database was migrated to schema version %d (results stored by change); this prodready writes the older layout and must not add to it: run a prodready that knows schema version %d or newer (the release with prodready migrate-history)", layoutVersion, layoutVersion)

// layoutMigration is schema version 6. Open applies it to a history with
// no snapshots; MigrateLayout to one with snapshots, once their results
// are copied into the new tables, in the transaction that drops the old.
func layoutMigration(d dialect) []string {
	stmts := layoutTables(d)
	stmts = append(stmts,
		`DROP TABLE IF EXISTS results`,
		`DROP TABLE IF EXISTS layout_migration`,
		// A snapshot row says the layout it was written for; a writer of
		// an older layout leaves the default and is refused below.
		`ALTER TABLE snapshots ADD COLUMN layout INTEGER NOT NULL DEFAULT 0`,
		// base_id 0 (no snapshot) everywhere: the older layout's writer
		// finds no full snapshot to build a delta on, so it tries to store
		// one in full and is refused; its reader fails on the missing
		// results table instead of reading an empty snapshot.
		`UPDATE snapshots SET base_id = 0`,
	)
	switch d.name {
	case "postgres":
		stmts = append(stmts,
			`CREATE OR REPLACE FUNCTION prodready_snapshot_layout() RETURNS trigger LANGUAGE plpgsql AS $f$
			BEGIN
				IF NEW.layout < TG_ARGV[0]::int THEN
					RAISE EXCEPTION '%', TG_ARGV[1] USING ERRCODE = 'P0001';
				END IF;
				RETURN NEW;
			END $f$`,
			fmt.Sprintf(`CREATE TRIGGER snapshots_layout BEFORE INSERT ON snapshots FOR EACH ROW EXECUTE FUNCTION prodready_snapshot_layout('%d', '%s')`, layoutVersion, oldWriterRefusal))
	default:
		stmts = append(stmts, fmt.Sprintf(`CREATE TRIGGER snapshots_layout BEFORE INSERT ON snapshots WHEN NEW.layout < %d
			BEGIN SELECT RAISE(ABORT, '%s'); END`, layoutVersion, oldWriterRefusal))
	}
	return stmts
}
