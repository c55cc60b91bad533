package creds

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// testPaths points every XDG directory into a fresh temporary directory and clears the client secret
// override, so no test reads or writes the real user's files.
func testPaths(t *testing.T) Paths {
	t.Helper()
	dir := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(dir, "state"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
	t.Setenv(EnvClientSecret, "")
	return DefaultPaths()
}

// filesContaining lists the files under root whose content contains needle.
func filesContaining(t *testing.T, root, needle string) []string {
	t.Helper()
	var hits []string
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, []byte(needle)) {
			hits = append(hits, path)
		}
		return nil
	})
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return hits
}
