package local

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// TestDurabilityAcrossSIGKILL runs `cioaep local serve` as a separate process, streams events into it
// from many goroutines, kills it with SIGKILL midway, restarts it on the same data, and checks that
// every event that was answered 200 is stored exactly once.
func TestDurabilityAcrossSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the cioaep binary")
	}
	bin := buildCioaep(t)
	data := t.TempDir()

	srv := startServe(t, bin, data)
	e := &env{t: t, base: srv.base, id: "durability"}
	e.token = e.getToken(e.id, "secret")
	d := localtest.NewDataflow(t, e.base, "prod")
	inletPath := d.Inlet[strings.Index(d.Inlet, "/collection/"):]

	const senders, perSender = 16, 400
	var accepted sync.Map // event_id → true, for events answered 200
	var ok200 atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			for i := 0; i < perSender; i++ {
				id := fmt.Sprintf("01DUR%02d%05d", s, i)
				body := fmt.Sprintf(`{"event_id":%q,"object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"email":"a@example.com"}}}`, id)
				res, err := client.Post(srv.base+inletPath+"?x-adobe-flow-id="+d.Flow, "application/json", strings.NewReader(body))
				if err != nil {
					return // the server is gone
				}
				res.Body.Close()
				if res.StatusCode == http.StatusOK {
					accepted.Store(id, true)
					ok200.Add(1)
				}
			}
		}(s)
	}
	// Kill the server once a good share of events got through, while senders are still sending.
	deadline := time.Now().Add(60 * time.Second)
	for ok200.Load() < senders*perSender/4 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if err := srv.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = srv.cmd.Wait()
	wg.Wait()
	if n := ok200.Load(); n == 0 || n == senders*perSender {
		t.Fatalf("%d of %d events were accepted; the kill did not land midway", n, senders*perSender)
	}

	// Restart on the same data: the platform recovers, and the flow still ingests.
	srv2 := startServe(t, bin, data)
	res, err := http.Post(srv2.base+inletPath+"?x-adobe-flow-id="+d.Flow, "application/json",
		strings.NewReader(`{"event_id":"01AFTER","object_type":"email","metric":"sent","timestamp":1613063089,"data":{}}`))
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("after restart: %v %v", err, res)
	}
	res.Body.Close()

	log, err := OpenEventLog(data)
	if err != nil {
		t.Fatal(err)
	}
	defer log.Close()
	evs, err := log.Events(context.Background(), EventFilter{DatasetID: d.Dataset})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, ev := range evs {
		var rec struct {
			ID string `json:"_id"`
		}
		if ev.Failed || json.Unmarshal(ev.Record, &rec) != nil {
			t.Fatalf("event %d failed: %s", ev.Seq, ev.Reason)
		}
		seen[rec.ID]++
	}
	lost := 0
	accepted.Range(func(k, _ any) bool {
		if seen[k.(string)] == 0 {
			lost++
		}
		return true
	})
	for id, n := range seen {
		if n > 1 {
			t.Errorf("event %s stored %d times", id, n)
		}
	}
	if lost > 0 || seen["01AFTER"] != 1 {
		t.Errorf("%d of %d accepted events lost; after-restart event stored %d times", lost, ok200.Load(), seen["01AFTER"])
	}
	t.Logf("%d events accepted before SIGKILL, %d stored (some were committed but not yet answered)", ok200.Load(), len(seen)-1)

	// A clean stop: SIGTERM makes serve exit 0.
	if err := srv2.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := srv2.cmd.Wait(); err != nil {
		t.Errorf("serve after SIGTERM: %v", err)
	}
}

// buildCioaep builds the command once per test binary run.
func buildCioaep(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "cioaep")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/cioaep/cioaep").CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

type served struct {
	cmd  *exec.Cmd
	base string
}

// startServe runs `cioaep local serve` on a free port and waits for it to print its URL.
func startServe(t *testing.T, bin, data string) served {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(bin, "local", "serve", "--addr", addr, "--data", data, "--inlet-rate", "1000000")
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	line := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		if sc.Scan() {
			line <- sc.Text()
		}
		close(line)
	}()
	select {
	case base, ok := <-line:
		if !ok || !strings.HasPrefix(base, "http://") {
			t.Fatalf("serve printed %q", base)
		}
		return served{cmd: cmd, base: base}
	case <-time.After(30 * time.Second):
		t.Fatal("serve did not print its URL")
	}
	return served{}
}
