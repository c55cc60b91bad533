package creds

import (
	"context"
	"testing"
	"time"

	"github.com/cioaep/cioaep/creds/credstest"
)

// BenchmarkConfigSave measures the atomic write (temp file, two fsyncs, rename) every login pays.
func BenchmarkConfigSave(b *testing.B) {
	dir := b.TempDir()
	c, err := LoadConfig(dir + "/config.json")
	if err != nil {
		b.Fatal(err)
	}
	c.Put(Profile{Name: "default", OrgID: "0123456789ABCDEF01234567@AdobeOrg", ClientID: "abc", Scopes: "openid", Platform: PlatformAdobe})
	for b.Loop() {
		if err := c.Save(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSecretsGet measures the cost of the timeout guard (a goroutine and a timer per call) over an
// in-memory keychain, i.e. what cioaep adds to each keychain read.
func BenchmarkSecretsGet(b *testing.B) {
	mem := credstest.NewMemKeychain()
	s := NewSecrets(Paths{ConfigFile: b.TempDir() + "/config.json"}, WithKeychain(mem, time.Second))
	ctx := context.Background()
	if _, err := s.Set(ctx, "default", CIOAppAPIKey, "v", false); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, _, err := s.Get(ctx, "default", CIOAppAPIKey); err != nil {
			b.Fatal(err)
		}
	}
}
