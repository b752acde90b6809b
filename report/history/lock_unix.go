//go:build unix

package history

import (
	"errors"
	"fmt"
	"os"
	"syscall"
)

// tryLockFile takes an exclusive flock on the named lock's file. flock
// belongs to the open file, so even two opens in one process exclude
// each other, and the kernel drops it when the process dies.
func (s *Store) tryLockFile(name string) (*Lock, bool, error) {
	path := s.lockPath(name)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, false, fmt.Errorf("history database %s: lock file %s: %w", s.where, path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, false, nil
		}
		return nil, false, fmt.Errorf("history database %s: lock file %s: %w", s.where, path, err)
	}
	f.Truncate(0)
	f.WriteAt([]byte(holderNote()), 0)
	return &Lock{name: name, file: f, store: s}, true, nil
}
