package creds

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzLoadConfig feeds arbitrary bytes to the config reader. The file is the user's to edit, so any
// content must end in either a config or an error that names the file, with nothing in the message
// that could drive a terminal; and a config that loads must survive Save and load back unchanged,
// since auth login rewrites the file on every run.
func FuzzLoadConfig(f *testing.F) {
	for _, seed := range []string{
		"",
		"{}",
		"null",
		"[]",
		`{"version":1,"profiles":{}}`,
		`{"version":1,"profiles":{"default":{"orgId":"0123456789ABCDEF01234567@AdobeOrg","clientId":"abc","scopes":"openid,AdobeID","sandbox":"prod","platform":"adobe"}}}`,
		`{"version":1,"profiles":{"local":{"orgId":"","clientId":"","scopes":"","platform":"local","platformUrl":"http://127.0.0.1:8790","imsUrl":"http://127.0.0.1:8790"}}}`,
		`{"version":2,"profiles":{}}`,
		`{"version":-1}`,
		`{"version":1e400}`,
		`{"version":"1"}`,
		`{"version":1,"profiles":{"../etc":{}}}`,
		`{"version":1,"profiles":{".hidden":{}}}`,
		`{"version":1,"profiles":{"a\u001b]52;c;SGVsbG8=\u0007":{}}}`,
		`{"version":1,"profiles":{"default":{"orgId":12}}}`,
		`{"version":1,"profiles":{"default":null}}`,
		`{"version":1,"profiles":[]}`,
		`{"version":1,"profiles":{"default":{"clientId":"\xff\xfe"}}}`,
		"\xef\xbb\xbf{\"version\":1}",
		`{"version":1,"profiles":{"default":{}}`,
		`{"version":1,"Profiles":{"a":{}},"profiles":{"b":{}}}`,
		"{\"version\":1}\n{\"version\":2}",
	} {
		f.Add([]byte(seed))
	}
	dir := f.TempDir()
	path := filepath.Join(dir, "config.json")
	again := filepath.Join(dir, "saved.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := LoadConfig(path)
		if err != nil {
			msg := err.Error()
			if !strings.Contains(msg, path) {
				t.Fatalf("the error does not name the file: %q", msg)
			}
			if i := strings.IndexFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }); i >= 0 {
				t.Fatalf("the error carries a control character at %d: %q", i, msg)
			}
			return
		}
		for _, name := range c.Names() {
			if err := CheckProfileName(name); err != nil {
				t.Fatalf("loaded a profile whose name is unusable: %v", err)
			}
		}
		// Save and load back: what auth login writes must read as what was read.
		c.path = again
		if err := c.Save(); err != nil {
			t.Fatalf("a config that loaded cannot be saved: %v", err)
		}
		back, err := LoadConfig(again)
		if err != nil {
			t.Fatalf("a saved config does not load: %v", err)
		}
		if !reflect.DeepEqual(c.profiles, back.profiles) {
			t.Fatalf("profiles changed across Save and load:\nbefore %#v\nafter  %#v", c.profiles, back.profiles)
		}
	})
}
