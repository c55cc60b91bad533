package local

import (
	"fmt"
	"os"
	"path/filepath"
)

// secureFiles makes the database readable by its owner only: it holds the ingested events (e-mail
// addresses among them) and the key that signs access tokens. SQLite creates its files with the
// process's umask (usually 0644) and gives the -wal and -shm files the database's own mode, so the
// database is created 0600 before SQLite opens it, and files an older version left open are tightened.
func secureFiles(dir string) error {
	path := filepath.Join(dir, dbFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("local platform: create %s: %w", path, err)
	}
	f.Close()
	for _, name := range []string{dbFile, dbFile + "-wal", dbFile + "-shm"} {
		p := filepath.Join(dir, name)
		if info, err := os.Stat(p); err == nil && info.Mode().Perm()&0o077 != 0 {
			if err := os.Chmod(p, 0o600); err != nil {
				return fmt.Errorf("local platform: make %s private: %w", p, err)
			}
		}
	}
	return nil
}

// DataDirWarning says, for people, when dir can be read by other users; "" when it cannot. cioaep does
// not change the mode of a directory it did not create (--data may name a shared one), but its files
// inside are private.
func DataDirWarning(dir string) string {
	info, err := os.Stat(dir)
	if err != nil || info.Mode().Perm()&0o077 == 0 {
		return ""
	}
	return fmt.Sprintf("warning: the local platform's data directory %s can be opened by other users (mode %#o); its files are private (0600), but consider chmod 700 %s", dir, info.Mode().Perm(), dir)
}
