package cmd

import (
	"path/filepath"
	"testing"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow/aep"
)

// isolateHome points HOME and every XDG directory cioaep uses at a fresh temporary folder and clears the
// CIOAEP_* variables, so a test neither reads nor touches the developer's own files. It returns the paths
// cioaep will use.
func isolateHome(t *testing.T) creds.Paths {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(home, "config"))
	t.Setenv("XDG_STATE_HOME", filepath.Join(home, "state"))
	t.Setenv("XDG_DATA_HOME", filepath.Join(home, "data"))
	t.Setenv(creds.EnvClientSecret, "")
	t.Setenv(aep.EnvPlatformURL, "")
	t.Setenv(aep.EnvIMSURL, "")
	return creds.DefaultPaths()
}
