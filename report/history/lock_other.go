//go:build !unix

package history

import (
	"errors"
	"fmt"
	"os"
)

// tryLockFile creates the named lock's file exclusively. Without flock a
// process that dies leaves the file behind: the holder note in it says
// whose it was, and removing it frees the lock.
func (s *Store) tryLockFile(name string) (*Lock, bool, error) {
	path := s.lockPath(name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if errors.Is(err, os.ErrExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("history database %s: lock file %s: %w", s.where, path, err)
	}
	f.WriteString(holderNote())
	f.Close()
	return &Lock{name: name, store: s, cleanup: func() { os.Remove(path) }}, true, nil
}
