package cmd

import (
	"bytes"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSecondSetupOnBusyProfileRefused runs two real processes: the built cioaep's setup, held on its
// first Platform call, and a second setup of the same profile. The second must stop before touching the
// platform, exit 1 and name the first (pid and command); the first then finishes with one of each
// resource, no duplicates.
func TestSecondSetupOnBusyProfileRefused(t *testing.T) {
	bin := e2eBinary(t)
	w := newSetupWorld(t)
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	w.reset(func(int, http.ResponseWriter, *http.Request) bool {
		once.Do(func() { close(entered) })
		<-release
		return false
	})
	first := exec.Command(bin, setupNewSchemaArgs...)
	for k, v := range w.env() {
		first.Env = append(first.Env, k+"="+v)
	}
	var firstOut bytes.Buffer
	first.Stdout, first.Stderr = &firstOut, &firstOut
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	defer first.Process.Kill()
	select {
	case <-entered:
	case <-time.After(60 * time.Second):
		t.Fatalf("the first setup never reached the platform:\n%s", firstOut.String())
	}
	calls := len(w.callLog())
	second := w.run(t, setupNewSchemaArgs...)
	if second.code != ExitFailed {
		t.Errorf("second setup exited %d, want %d:\n%s", second.code, ExitFailed, second.stderr)
	}
	want := fmt.Sprintf("pid %d", first.Process.Pid)
	if !strings.Contains(second.stderr, want) || !strings.Contains(second.stderr, `"cioaep setup"`) || !strings.Contains(second.stderr, "busy") {
		t.Errorf("second setup does not name the first (%s, cioaep setup):\n%s", want, second.stderr)
	}
	if got := len(w.callLog()); got != calls {
		t.Errorf("the second setup made %d Platform calls; it must make none", got-calls)
	}
	for _, args := range [][]string{{"teardown", "--yes"}, {"reconfigure", "--non-interactive", "--disable"}} {
		if r := w.run(t, args...); r.code != ExitFailed || !strings.Contains(r.stderr, want) {
			t.Errorf("%v while setup runs exited %d:\n%s", args, r.code, r.stderr)
		}
	}
	close(release)
	if err := first.Wait(); err != nil {
		t.Fatalf("first setup: %v\n%s", err, firstOut.String())
	}
	w.wantOneOfEach(t)
	if again := w.run(t, setupNewSchemaArgs...); again.code != 0 {
		t.Errorf("setup after the first finished exited %d: the lock was not released\n%s", again.code, again.stderr)
	}
}

// TestSetupUsageErrorsBeforeAnyCall: a malformed --org-id or a mapping rule that cannot compile is a
// usage error (exit 2) found before the first network call, and setup writes nothing: no journal.
func TestSetupUsageErrorsBeforeAnyCall(t *testing.T) {
	w := newSetupWorld(t)
	mapping := filepath.Join(w.root, "bad.json")
	setupMust(t, os.WriteFile(mapping, []byte(`[{"sourceType":"EXPRESSION","source":"lower(","destination":"_tenant.customerio.metric"}]`), 0o600))
	for name, args := range map[string][]string{
		"org id":  {"setup", "--non-interactive", "--org-id", "not-an-org", "--client-id", "x", "--sandbox", "prod", "--new-dataset", "d", "--new-schema"},
		"mapping": append(append([]string{}, setupNewSchemaArgs...), "--mapping", mapping),
	} {
		w.reset(nil)
		r := w.run(t, args...)
		if r.code != ExitUsage {
			t.Errorf("%s: exit %d, want %d: %s", name, r.code, ExitUsage, r.stderr)
		}
		if calls := w.callLog(); len(calls) != 0 {
			t.Errorf("%s: %d Platform calls before the usage error: %v", name, len(calls), calls)
		}
		if _, err := os.Stat(filepath.Join(w.root, "state", "cioaep", "default", "journal.json")); !os.IsNotExist(err) {
			t.Errorf("%s: a journal was written (stat: %v)", name, err)
		}
	}
}
