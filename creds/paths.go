// Package creds keeps cioaep's profiles and secrets apart: profiles (org id, client id, scopes, sandbox,
// platform) live in a plain config file, secrets live in the OS keychain, and a plaintext secrets file is
// written only when the user opts in with --insecure-storage.
package creds

import (
	"os"
	"path/filepath"
)

// Paths are the files and directories cioaep reads and writes, following the XDG base directory spec so
// that a user (or a test) can move all of them with XDG_CONFIG_HOME, XDG_STATE_HOME and XDG_DATA_HOME.
type Paths struct {
	ConfigFile string // $XDG_CONFIG_HOME/cioaep/config.json: profiles, never secrets
	StateRoot  string // $XDG_STATE_HOME/cioaep: one directory per profile for journals and results
	DataDir    string // $XDG_DATA_HOME/cioaep: the local platform's store lives under it
}

// DefaultPaths resolves the XDG directories from the environment, with the spec's fallbacks under $HOME.
func DefaultPaths() Paths {
	return Paths{
		ConfigFile: filepath.Join(xdgDir("XDG_CONFIG_HOME", ".config"), "cioaep", "config.json"),
		StateRoot:  filepath.Join(xdgDir("XDG_STATE_HOME", filepath.Join(".local", "state")), "cioaep"),
		DataDir:    filepath.Join(xdgDir("XDG_DATA_HOME", filepath.Join(".local", "share")), "cioaep"),
	}
}

// ConfigDir is the directory holding the config file and, when opted in, the plaintext secrets file.
func (p Paths) ConfigDir() string { return filepath.Dir(p.ConfigFile) }

// StateDir is the profile's own state directory. The profile name must have passed CheckProfileName,
// which keeps it a single path element.
func (p Paths) StateDir(profile string) string { return filepath.Join(p.StateRoot, profile) }

// xdgDir reads an XDG variable. The spec says relative values are invalid and must be ignored, which also
// stops a stray "XDG_CONFIG_HOME=." from scattering files into the working directory.
func xdgDir(name, fallback string) string {
	if v := os.Getenv(name); v != "" && filepath.IsAbs(v) {
		return v
	}
	// Without $HOME (a bare container) the path ends up relative to the working directory: visible to the
	// user, unlike a shared temporary directory that another account could have prepared.
	home, _ := os.UserHomeDir()
	return filepath.Join(home, fallback)
}
