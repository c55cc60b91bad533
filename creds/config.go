package creds

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"

	"github.com/cioaep/cioaep/creds/atomicfile"
)

// Platforms a profile can point at.
const (
	PlatformAdobe = "adobe" // Adobe Experience Platform, or whatever CIOAEP_PLATFORM_URL / PlatformURL name
	PlatformLocal = "local" // the embedded local platform (cioaep local serve / --local)
)

// configVersion is written into every config file. A file from a newer cioaep is refused rather than
// rewritten, because saving it here would silently drop whatever the newer version added.
const configVersion = 1

// Profile is one named set of Platform credentials, minus the secret, which never enters the config file.
type Profile struct {
	Name     string `json:"-"`
	OrgID    string `json:"orgId"`
	ClientID string `json:"clientId"`
	Scopes   string `json:"scopes"`
	Sandbox  string `json:"sandbox,omitempty"`
	Platform string `json:"platform"` // PlatformAdobe or PlatformLocal

	// PlatformURL and IMSURL are set only when the profile was logged in against overridden endpoints
	// (CIOAEP_PLATFORM_URL / CIOAEP_IMS_URL, e.g. a stage environment); empty means Adobe's defaults.
	// The environment variables still win on each run.
	PlatformURL string `json:"platformUrl,omitempty"`
	IMSURL      string `json:"imsUrl,omitempty"`

	// CIORegion is the Customer.io workspace's region ("us" or "eu"), remembered when cioaep installs the
	// reporting webhook, so a later dataset move can update it on the right App API host without asking:
	// a key works only in its own region. Empty means not known yet.
	CIORegion string `json:"cioRegion,omitempty"`
}

// Config is the parsed config file. Load it, change it, Save it: Save writes the whole file atomically.
type Config struct {
	path     string
	profiles map[string]Profile
	// changed holds what Put and Remove did since the last load or save (nil: removed). Save applies
	// only these to the file as it is then, so another command's changes saved meanwhile are kept.
	changed map[string]*Profile
}

// configFile is the on-disk form.
type configFile struct {
	Version  int                `json:"version"`
	Profiles map[string]Profile `json:"profiles"`
}

// LoadConfig reads the config file at path. A missing file is an empty config (first run). A file that
// cannot be parsed is an error naming the file, and the file is left alone: it may hold the only copy of
// a user's settings, and a tool that "repairs" it by overwriting destroys them.
func LoadConfig(path string) (*Config, error) {
	c := &Config{path: path, profiles: map[string]Profile{}, changed: map[string]*Profile{}}
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	var f configFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("config file %s is damaged (%s); cioaep will not overwrite it: fix it or move it away, then run cioaep auth login again", path, describeJSONError(err))
	}
	if f.Version > configVersion {
		return nil, fmt.Errorf("config file %s was written by a newer cioaep (format %d, this one reads %d): upgrade cioaep", path, f.Version, configVersion)
	}
	for name, p := range f.Profiles {
		if err := CheckProfileName(name); err != nil {
			return nil, fmt.Errorf("config file %s: %w", path, err)
		}
		p.Name = name
		c.profiles[name] = p
	}
	return c, nil
}

// describeJSONError says where the JSON went wrong without quoting the file's content, so that a value
// pasted into the wrong place (a secret, say) is never echoed into a terminal or a log.
func describeJSONError(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return fmt.Sprintf("invalid JSON at byte %d", syn.Offset)
	case errors.As(err, &typ):
		return fmt.Sprintf("field %q has the wrong type at byte %d", typ.Field, typ.Offset)
	default:
		return "not valid JSON"
	}
}

// Path is the file this config was loaded from and will be saved to.
func (c *Config) Path() string { return c.path }

// Profile returns the named profile.
func (c *Config) Profile(name string) (Profile, bool) {
	p, ok := c.profiles[name]
	return p, ok
}

// Names lists the profiles in a stable order.
func (c *Config) Names() []string {
	names := make([]string, 0, len(c.profiles))
	for n := range c.profiles {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Put adds or replaces the profile called p.Name. Nothing is written until Save.
func (c *Config) Put(p Profile) {
	c.profiles[p.Name] = p
	c.changed[p.Name] = &p
}

// Remove forgets the named profile. Nothing is written until Save.
func (c *Config) Remove(name string) {
	delete(c.profiles, name)
	c.changed[name] = nil
}

// Save applies this config's changes to the file and writes it atomically with mode 0600. Under a lock
// it re-reads the file and applies only what Put and Remove changed here, so two commands saving
// different profiles at once both keep theirs. Profile names are checked here as well as at input,
// because they become directory names and keychain accounts.
func (c *Config) Save() error {
	for name := range c.changed {
		if err := CheckProfileName(name); err != nil {
			return err
		}
	}
	release, err := lockFile(c.path)
	if err != nil {
		return err
	}
	defer release()
	now, err := LoadConfig(c.path)
	if err != nil {
		return err
	}
	for name, p := range c.changed {
		if p == nil {
			delete(now.profiles, name)
		} else {
			now.profiles[name] = *p
		}
	}
	data, err := json.MarshalIndent(configFile{Version: configVersion, Profiles: now.profiles}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode config: %w", err)
	}
	if err := atomicfile.Write(c.path, append(data, '\n')); err != nil {
		return err
	}
	c.profiles, c.changed = now.profiles, map[string]*Profile{}
	return nil
}
