package creds

import (
	"path/filepath"
	"testing"
)

func TestDefaultPathsFollowXDG(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/x/config")
	t.Setenv("XDG_STATE_HOME", "/x/state")
	t.Setenv("XDG_DATA_HOME", "/x/data")
	p := DefaultPaths()
	want := Paths{ConfigFile: "/x/config/cioaep/config.json", StateRoot: "/x/state/cioaep", DataDir: "/x/data/cioaep"}
	if p != want {
		t.Fatalf("DefaultPaths() = %+v, want %+v", p, want)
	}
	if got := p.StateDir("work"); got != "/x/state/cioaep/work" {
		t.Errorf("StateDir(work) = %q", got)
	}
	if got := p.ConfigDir(); got != "/x/config/cioaep" {
		t.Errorf("ConfigDir() = %q", got)
	}
}

func TestDefaultPathsFallBackToHome(t *testing.T) {
	t.Setenv("HOME", "/home/u")
	t.Setenv("XDG_CONFIG_HOME", "")
	t.Setenv("XDG_STATE_HOME", "relative/state") // the spec says relative values are ignored
	t.Setenv("XDG_DATA_HOME", "")
	p := DefaultPaths()
	want := Paths{
		ConfigFile: filepath.FromSlash("/home/u/.config/cioaep/config.json"),
		StateRoot:  filepath.FromSlash("/home/u/.local/state/cioaep"),
		DataDir:    filepath.FromSlash("/home/u/.local/share/cioaep"),
	}
	if p != want {
		t.Fatalf("DefaultPaths() = %+v, want %+v", p, want)
	}
}
