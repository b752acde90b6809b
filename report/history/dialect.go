package history

import (
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// dialect holds every difference between the SQL databases the store runs
// on, so the queries elsewhere stay portable: they are written with "?"
// placeholders and the types below.
type dialect struct {
	name   string
	driver string
	// DDL pieces.
	autoID       string // an auto-increment primary key column type
	blob         string // binary column type
	withoutRowID string // suffix for tables keyed by their primary key
	// rebind rewrites "?" placeholders for the driver (Postgres: $1, $2…).
	rebind func(string) string
	// sizeQuery returns the database's size in bytes.
	sizeQuery string
	// explain turns a driver error into one that says what went wrong with
	// the database at where (a file, or a redacted URL).
	explain func(where string, err error) error
}

var sqliteDialect = dialect{
	name:         "sqlite",
	driver:       "sqlite",
	autoID:       "INTEGER PRIMARY KEY AUTOINCREMENT",
	blob:         "BLOB",
	withoutRowID: " WITHOUT ROWID",
	rebind:       func(q string) string { return q },
	sizeQuery:    `SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()`,
	explain:      explainSQLite,
}

// ErrLocked means another process holds the database's write lock.
var ErrLocked = errors.New("database is locked by another process")

// ErrReadOnly means the database file or its directory cannot be written.
var ErrReadOnly = errors.New("database is not writable")

// ErrNewerSchema means the database was written by a newer prodready.
var ErrNewerSchema = errors.New("database schema is newer than this prodready")

// ErrAlreadySent means a message with the same key was recorded before.
var ErrAlreadySent = errors.New("message already recorded as sent")

func explainSQLite(where string, err error) error {
	if err == nil {
		return nil
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			return fmt.Errorf("history database %s: %w (%v); stop the other prodready or wait for it", where, ErrLocked, err)
		case sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH:
			return fmt.Errorf("history database %s: %w (%v); check the file's and its directory's permissions, or set PRODREADY_DB", where, ErrReadOnly, err)
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			return fmt.Errorf("history database %s is not a prodready SQLite database: %w", where, err)
		case sqlite3.SQLITE_CONSTRAINT:
			return fmt.Errorf("history database %s: %w: %v", where, ErrAlreadySent, err)
		}
	}
	return fmt.Errorf("history database %s: %w", where, err)
}
