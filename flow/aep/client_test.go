package aep_test

import (
	"errors"
	"testing"

	"github.com/cioaep/cioaep/flow/aep"
)

func TestConfigFromEnv(t *testing.T) {
	base := aep.Config{PlatformURL: "https://saved.example", IMSURL: "https://ims.saved.example"}
	t.Setenv(aep.EnvPlatformURL, "")
	t.Setenv(aep.EnvIMSURL, "")
	if got := aep.ConfigFromEnv(base); got.PlatformURL != base.PlatformURL || got.IMSURL != base.IMSURL {
		t.Errorf("unset variables changed the config: %+v", got)
	}
	t.Setenv(aep.EnvPlatformURL, "http://127.0.0.1:8790")
	t.Setenv(aep.EnvIMSURL, "http://127.0.0.1:8790/")
	got := aep.ConfigFromEnv(base)
	if got.PlatformURL != "http://127.0.0.1:8790" || got.IMSURL != "http://127.0.0.1:8790/" {
		t.Errorf("variables not applied: %+v", got)
	}
	c := aep.New(aep.Config{})
	if c.PlatformURL() != aep.DefaultPlatformURL || c.Sandbox() != "prod" {
		t.Errorf("defaults: %s %s", c.PlatformURL(), c.Sandbox())
	}
	if s := aep.New(aep.Config{Sandbox: " Dev-Sandbox "}).WithSandbox("QA").Sandbox(); s != "qa" {
		t.Errorf("sandbox %q, want lower case", s)
	}
}

// TestNotFound: a missing resource is recognisable whatever the service's error shape, and an empty
// Flow Service item list counts as missing.
func TestNotFound(t *testing.T) {
	p := newPlatform(t)
	p.reply("GET /data/foundation/catalog/dataSets/{id}", 404, `{"message":"dataset not found"}`)
	p.reply("GET /data/foundation/flowservice/flows/{id}", 200, `{"items":[]}`)
	p.reply("GET /data/foundation/schemaregistry/tenant/schemas/{id}", 404, `{"type":"http://ns.adobe.com/aep/errors/XDM-1010-404","title":"Not found"}`)
	c, _ := p.client()
	_, err1 := c.Dataset(ctx(t), "missing")
	_, err2 := c.Flow(ctx(t), "missing")
	_, err3 := c.Schema(ctx(t), "https://ns.adobe.com/acme/schemas/missing")
	for i, err := range []error{err1, err2, err3} {
		if !errors.Is(err, aep.ErrNotFound) {
			t.Errorf("call %d: %v is not ErrNotFound", i+1, err)
		}
	}
	if n := len(p.calls("/data/")); n != 3 {
		t.Errorf("%d requests: a 404 was retried", n)
	}
}
