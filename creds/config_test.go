package creds

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigMissingFileIsEmpty(t *testing.T) {
	p := testPaths(t)
	c, err := LoadConfig(p.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if names := c.Names(); len(names) != 0 {
		t.Fatalf("profiles in a missing config: %v", names)
	}
	if _, err := os.Stat(p.ConfigFile); !os.IsNotExist(err) {
		t.Fatalf("loading created the file: %v", err)
	}
}

func TestConfigRoundTripAtomic0600(t *testing.T) {
	p := testPaths(t)
	c, err := LoadConfig(p.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	work := Profile{Name: "work", OrgID: "0123456789ABCDEF01234567@AdobeOrg", ClientID: "abc", Scopes: "openid,AdobeID",
		Sandbox: "prod", Platform: PlatformAdobe, IMSURL: "https://ims.example", PlatformURL: "https://platform.example", CIORegion: "eu"}
	play := Profile{Name: "play", OrgID: "FEDCBA9876543210FEDCBA98@AdobeOrg", ClientID: "def", Scopes: "openid", Platform: PlatformLocal}
	c.Put(work)
	c.Put(play)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(p.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("config mode = %o, want 600", mode)
	}
	dirInfo, err := os.Stat(filepath.Dir(p.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	if mode := dirInfo.Mode().Perm(); mode != 0o700 {
		t.Errorf("config dir mode = %o, want 700", mode)
	}
	entries, _ := os.ReadDir(filepath.Dir(p.ConfigFile))
	for _, e := range entries {
		if e.Name() != "config.json" && e.Name() != "config.json.lock" { // the lock file stays, empty
			t.Errorf("config dir holds %s, want only config.json (a temp file left behind?)", e.Name())
		}
	}

	again, err := LoadConfig(p.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if got := again.Names(); strings.Join(got, ",") != "play,work" {
		t.Fatalf("Names() = %v", got)
	}
	if got, ok := again.Profile("work"); !ok || got != work {
		t.Errorf("work = %+v, %v; want %+v", got, ok, work)
	}
	if got, _ := again.Profile("play"); got != play {
		t.Errorf("play = %+v, want %+v", got, play)
	}

	again.Remove("work")
	if err := again.Save(); err != nil {
		t.Fatal(err)
	}
	third, err := LoadConfig(p.ConfigFile)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := third.Profile("work"); ok {
		t.Error("removed profile came back")
	}
	if _, ok := third.Profile("play"); !ok {
		t.Error("the other profile went missing")
	}
}

// A damaged config must produce an error that names the file, and must never be rewritten.
func TestConfigCorruptIsNamedAndLeftAlone(t *testing.T) {
	for name, content := range map[string]string{
		"truncated":  `{"version":1,"profiles":{"default":{"orgId":"0123`,
		"wrong type": `{"version":1,"profiles":[]}`,
		"not json":   "orgId = 0123456789ABCDEF01234567@AdobeOrg\n",
		"bad name":   `{"version":1,"profiles":{"../escape":{}}}`,
		"newer":      `{"version":99,"profiles":{}}`,
	} {
		t.Run(name, func(t *testing.T) {
			p := testPaths(t)
			if err := os.MkdirAll(filepath.Dir(p.ConfigFile), 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p.ConfigFile, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			old := time.Now().Add(-time.Hour).Truncate(time.Second)
			if err := os.Chtimes(p.ConfigFile, old, old); err != nil {
				t.Fatal(err)
			}
			c, err := LoadConfig(p.ConfigFile)
			if err == nil {
				t.Fatalf("LoadConfig accepted %q", content)
			}
			if c != nil {
				t.Error("LoadConfig returned a config that could be saved over the damaged file")
			}
			if !strings.Contains(err.Error(), p.ConfigFile) {
				t.Errorf("error does not name the file: %v", err)
			}
			if strings.Contains(err.Error(), "0123") {
				t.Errorf("error quotes the file's content: %v", err)
			}
			data, _ := os.ReadFile(p.ConfigFile)
			info, _ := os.Stat(p.ConfigFile)
			if !bytes.Equal(data, []byte(content)) || !info.ModTime().Equal(old) {
				t.Error("the damaged file was changed")
			}
		})
	}
}

func TestConfigSaveRefusesUnsafeProfileName(t *testing.T) {
	p := testPaths(t)
	c, _ := LoadConfig(p.ConfigFile)
	c.Put(Profile{Name: "../../etc"})
	if err := c.Save(); err == nil {
		t.Fatal("saved a profile whose name escapes the state directory")
	}
	if _, err := os.Stat(p.ConfigFile); !os.IsNotExist(err) {
		t.Error("a config file was written anyway")
	}
}
