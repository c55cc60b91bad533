package cmd

// The wizard really resumes: the real binary in tmux, behind a slow platform, is killed (or quit) while it
// creates the dataflow; a second run, Enter through, must end with exactly one of each resource.

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/aep"
	"github.com/cioaep/cioaep/flow/local"
)

// createPaths are the Platform calls that create a resource, by the resource they create.
var createPaths = map[string]string{
	"/data/foundation/schemaregistry/tenant/fieldgroups": "field group",
	"/data/foundation/schemaregistry/tenant/schemas":     "schema",
	"/data/foundation/schemaregistry/tenant/descriptors": "descriptor",
	"/data/foundation/catalog/dataSets":                  "dataset",
	"/data/foundation/flowservice/sourceConnections":     "source connection",
	"/data/foundation/flowservice/targetConnections":     "target connection",
	"/data/foundation/conversion/mappingSets":            "mapping set",
	"/data/foundation/flowservice/flows":                 "flow",
}

// slowPlatform is a reverse proxy in front of a local platform that delays every request, as a slow
// network does, counts the creates the platform accepted, and calls onCreate as the n-th create arrives
// (before it is forwarded) and once the platform has answered it (before the answer is relayed).
type slowPlatform struct {
	srv      *httptest.Server
	mu       sync.Mutex
	accepted map[string]int
	seen     atomic.Int32
	onCreate func(n int, answered bool)
}

func newSlowPlatform(t *testing.T, upstream string, delay time.Duration) *slowPlatform {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	p := &slowPlatform{accepted: map[string]int{}}
	rp := httputil.NewSingleHostReverseProxy(u)
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(delay)
		kind, create := createPaths[r.URL.Path]
		create = create && r.Method == http.MethodPost
		n := 0
		if create {
			n = int(p.seen.Add(1))
			p.call(n, false)
		}
		// A client that dies does not stop the platform acting on what it sent: the upstream call runs on
		// even when the wizard is killed, as it would across a real network.
		rec := httptest.NewRecorder()
		rp.ServeHTTP(rec, r.WithContext(context.WithoutCancel(r.Context())))
		if create {
			if rec.Code/100 == 2 {
				p.mu.Lock()
				p.accepted[kind]++
				p.mu.Unlock()
			}
			p.call(n, true)
		}
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
	}))
	t.Cleanup(p.srv.Close)
	return p
}

func (p *slowPlatform) call(n int, answered bool) {
	p.mu.Lock()
	f := p.onCreate
	p.mu.Unlock()
	if f != nil {
		f(n, answered)
	}
}

func (p *slowPlatform) setOnCreate(f func(n int, answered bool)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.onCreate = f
}

func (p *slowPlatform) creates() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]int{}
	for k, v := range p.accepted {
		out[k] = v
	}
	return out
}

// panePID is the process tmux runs in the session's pane (the wizard, started with exec).
func (s *tmuxSession) panePID() int {
	s.t.Helper()
	out, err := exec.Command("tmux", "-L", s.socket, "list-panes", "-t", "e2e", "-F", "#{pane_pid}").Output()
	if err != nil {
		s.t.Fatalf("tmux list-panes: %v", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		s.t.Fatalf("tmux pane pid %q: %v", out, err)
	}
	return pid
}

// withEnv is env with name set to value, replacing any earlier value.
func withEnv(env []string, kv ...string) []string {
	out := append([]string{}, env...)
	for _, set := range kv {
		name, _, _ := strings.Cut(set, "=")
		out = slices.DeleteFunc(out, func(e string) bool { return strings.HasPrefix(e, name+"=") })
		out = append(out, set)
	}
	return out
}

// TestE2EWizardResumesAfterKill is issue 12's must-show: `cioaep --local` behind a slow platform is
// stopped during Create at several points (killed before a create reaches the platform, killed after the
// platform made it but before the wizard heard, quit with ctrl+c and y); running it again and pressing
// Enter through offers to resume, reviews what exists as "reuse", and ends with exactly one of each
// resource, counted both as creates the platform accepted and as what the platform lists.
func TestE2EWizardResumesAfterKill(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		at       int  // the n-th create
		answered bool // stop once the platform answered it (the id never reached the journal)
		quit     bool // ctrl+c, then y, instead of a kill
	}{
		{name: "killed after the field group was made", at: 1, answered: true},
		{name: "killed before the schema reached the platform", at: 2},
		{name: "killed after the fifth create was made", at: 5, answered: true},
		{name: "killed after the flow was made", at: 8, answered: true},
		{name: "quit with ctrl+c and y", at: 3, quit: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newE2E(t)
			base := e.serve(nil)
			slow := newSlowPlatform(t, base, 60*time.Millisecond)
			env := withEnv(e.env, "TERM=xterm-256color", "CIOAEP_PLATFORM_URL="+slow.srv.URL, "CIOAEP_IMS_URL="+slow.srv.URL)
			wizard := "exec " + e.bin + " --local"

			first := newTmux(t, env, 100, 30, wizard)
			pid := first.panePID()
			stopped := make(chan struct{})
			var once sync.Once
			slow.setOnCreate(func(n int, answered bool) {
				if n != tc.at || answered != tc.answered {
					return
				}
				once.Do(func() {
					if tc.quit {
						first.keys("C-c")
					} else {
						_ = syscall.Kill(pid, syscall.SIGKILL)
					}
					close(stopped)
				})
			})
			first.wait("Welcome", 20*time.Second)
			for _, next := range wizardPath[:len(wizardPath)-1] {
				first.keys("Enter")
				first.wait(next, 30*time.Second)
			}
			first.keys("Enter") // review → create
			select {
			case <-stopped:
			case <-time.After(90 * time.Second):
				t.Fatalf("create %d never happened; the screen shows:\n%s", tc.at, first.screen())
			}
			if tc.quit {
				first.wait("The next run resumes from the journal", 10*time.Second)
				first.keys("y")
			}
			waitGone(t, pid)
			slow.setOnCreate(nil)
			t.Logf("stopped at create %d; the platform had accepted %v", tc.at, slow.creates())

			second := newTmux(t, env, 100, 30, wizard)
			sc := second.wait("unfinished setup", 20*time.Second)
			if !strings.Contains(sc, "Enter resumes it") || !strings.Contains(sc, "cioaep teardown") {
				t.Errorf("the first screen does not offer resume and name the teardown command:\n%s", sc)
			}
			for _, next := range wizardPath {
				second.keys("Enter")
				sc = second.wait(next, 60*time.Second)
				if next == "Source connection" && !strings.Contains(sc, "reuse") {
					t.Errorf("review shows nothing as reused after the first run made resources:\n%s", sc)
				}
			}

			want := []string{"field group", "schema", "descriptor", "dataset", "source connection", "target connection", "mapping set", "flow"}
			got := slow.creates()
			for _, kind := range want {
				if got[kind] != 1 {
					t.Errorf("the platform accepted %d creates of a %s over both runs, want 1 (all: %v)", got[kind], kind, got)
				}
			}
			for kind, n := range platformCounts(t, base) {
				if n != 1 {
					t.Errorf("the platform lists %d cioaep %ss, want 1", n, kind)
				}
			}
			second.keys("q")
		})
	}
}

// waitGone waits until pid has exited.
func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("the wizard (pid %d) is still running", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// platformCounts lists, on the local platform itself, the resources whose names carry a cioaep plan tag.
func platformCounts(t *testing.T, base string) map[string]int {
	t.Helper()
	ctx := context.Background()
	c := aep.New(aep.Config{PlatformURL: base, IMSURL: base, OrgID: local.OrgID, ClientID: flow.LocalClientID,
		ClientSecret: flow.LocalClientSecret, Scopes: aep.DefaultScopes, Sandbox: "prod"})
	tagged := func(name string) bool { return strings.Contains(name, "(cioaep ") }
	counts := map[string]int{}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(c.Schemas(ctx, func(rs []aep.SchemaRef) error {
		for _, r := range rs {
			if tagged(r.Title) {
				counts["schema"]++
			}
		}
		return nil
	}))
	must(c.Datasets(ctx, func(ds []aep.Dataset) error {
		for _, d := range ds {
			if tagged(d.Name) {
				counts["dataset"]++
			}
		}
		return nil
	}))
	flows, err := c.Flows(ctx)
	must(err)
	for _, f := range flows {
		if tagged(f.Name) {
			counts["flow"]++
		}
	}
	srcs, err := c.SourceConnections(ctx)
	must(err)
	for _, s := range srcs {
		if tagged(s.Name) {
			counts["source connection"]++
		}
	}
	tgts, err := c.TargetConnections(ctx)
	must(err)
	for _, tc := range tgts {
		if tagged(tc.Name) {
			counts["target connection"]++
		}
	}
	counts["field group"] = countFieldGroups(t, ctx, c, base)
	return counts
}

// countFieldGroups lists the tenant's field groups: the client only finds them by title.
func countFieldGroups(t *testing.T, ctx context.Context, c *aep.Client, base string) int {
	t.Helper()
	tok, err := c.Token(ctx)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, base+"/data/foundation/schemaregistry/tenant/fieldgroups", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("x-api-key", flow.LocalClientID)
	req.Header.Set("x-gw-ims-org-id", local.OrgID)
	req.Header.Set("x-sandbox-name", "prod")
	req.Header.Set("Accept", "application/vnd.adobe.xed-id+json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body struct {
		Results []struct {
			Title string `json:"title"`
		} `json:"results"`
	}
	if err := json.NewDecoder(res.Body).Decode(&body); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("list field groups: %d %v", res.StatusCode, err)
	}
	n := 0
	for _, r := range body.Results {
		if strings.Contains(r.Title, "(cioaep ") {
			n++
		}
	}
	return n
}
