package local

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cioaep/cioaep/flow/local/localtest"
)

// loadgenEnv makes this test binary a load generator instead (see TestMain): it posts events to a URL
// and prints what it measured. Running it in its own process keeps its work off the server's
// goroutines and heap, so the figure does not depend on how the two share a scheduler.
const loadgenEnv = "CIOAEP_LOADGEN"

func TestMain(m *testing.M) {
	if spec := os.Getenv(loadgenEnv); spec != "" {
		os.Exit(loadgen(spec))
	}
	os.Exit(m.Run())
}

// inletSenders is how many requests the load generator keeps in flight, as Customer.io's webhook
// delivery would from many workers.
const inletSenders = 32

// BenchmarkInlet measures the inlet end to end: single-event POSTs over loopback HTTP from 32 concurrent
// senders in a separate process, each answered only after its event is durably committed
// (synchronous=FULL, group commit). The same generator then posts the same bodies to a bare Go handler
// that reads the body and answers the inlet's reply without doing anything with it; the benchmark
// reports both rates, the inlet's as a fraction of the bare handler's (goal: 0.5), and the inlet's
// 99th-percentile latency. b.N is the number of events.
func BenchmarkInlet(b *testing.B) {
	for _, size := range []int{200, 64 << 10} {
		b.Run(fmt.Sprintf("%dB", size), func(b *testing.B) {
			p, err := Open(Config{DataDir: b.TempDir(), InletRate: 1 << 30})
			if err != nil {
				b.Fatal(err)
			}
			srv := httptest.NewServer(p)
			defer srv.Close()
			defer p.Close()
			p.SetBaseURL(srv.URL)
			d := localtest.NewDataflow(b, srv.URL, "prod")
			bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body)
				w.Header().Set("Content-Type", "application/json;charset=utf-8")
				_, _ = fmt.Fprintf(w, `{"inletId":"%s","xactionId":"1:2:3","receivedTimeMs":%d,"syncValidation":{"skipped":true}}`+"\n", "bare", time.Now().UnixMilli())
			}))
			defer bare.Close()

			b.ResetTimer()
			inlet, p99 := runLoadgen(b, d.WebhookURL(), b.N, size)
			b.StopTimer()
			bareRate, _ := runLoadgen(b, bare.URL+"/collection/bare?x-adobe-flow-id=bare", b.N, size)
			stored, err := p.Events(b.Context(), EventFilter{})
			if err != nil || len(stored) != b.N {
				b.Fatalf("%d events stored for %d answered 200: %v", len(stored), b.N, err)
			}
			b.ReportMetric(inlet, "events/s")
			b.ReportMetric(bareRate, "bare-events/s")
			b.ReportMetric(inlet/bareRate, "of-bare")
			b.ReportMetric(p99, "p99-ms")
		})
	}
}

// runLoadgen runs this test binary as the load generator and returns its events/s and p99 in ms.
func runLoadgen(b *testing.B, url string, n, size int) (rate, p99 float64) {
	exe, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), fmt.Sprintf("%s=%s %d %d", loadgenEnv, url, n, size))
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		b.Fatalf("load generator: %v: %s", err, errOut.String())
	}
	if _, err := fmt.Sscan(out.String(), &rate, &p99); err != nil {
		b.Fatalf("load generator printed %q: %v", out.String(), err)
	}
	return rate, p99
}

// loadgen posts n Customer.io events of about size bytes to url from inletSenders connections and prints
// "<events/s> <p99 ms>". Any answer but 200 fails it.
func loadgen(spec string) int {
	f := strings.Fields(spec)
	if len(f) != 3 {
		fmt.Fprintln(os.Stderr, "loadgen: want URL N SIZE")
		return 2
	}
	url := f[0]
	n, _ := strconv.Atoi(f[1])
	size, _ := strconv.Atoi(f[2])
	bodies := make([][]byte, n)
	for i := range bodies {
		bodies[i] = benchEvent(i, size)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: inletSenders, MaxConnsPerHost: inletSenders}}
	var next atomic.Int64
	lat := make([][]time.Duration, inletSenders)
	var failed atomic.Value
	var wg sync.WaitGroup
	start := time.Now()
	for s := range inletSenders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= n || failed.Load() != nil {
					return
				}
				t0 := time.Now()
				res, err := client.Post(url, "application/json", bytes.NewReader(bodies[i]))
				if err != nil {
					failed.Store(err.Error())
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					failed.Store(fmt.Sprintf("status %d", res.StatusCode))
					return
				}
				lat[s] = append(lat[s], time.Since(t0))
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	if msg := failed.Load(); msg != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", msg)
		return 1
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	fmt.Printf("%f %f\n", float64(n)/elapsed.Seconds(), float64(all[len(all)*99/100].Microseconds())/1000)
	return 0
}

// benchEvent is a Customer.io email event padded to about size bytes with a field the mapping ignores,
// as a delivery's content would be.
func benchEvent(i, size int) []byte {
	e := fmt.Appendf(nil, `{"event_id":"01BENCH%08d","object_type":"email","metric":"sent","timestamp":1613063089,"data":{"identifiers":{"email":"a@example.com","id":"42"},"delivery_id":"d%d","content":"`, i, i)
	pad := max(size-len(e)-3, 0)
	e = append(e, bytes.Repeat([]byte("x"), pad)...)
	return append(e, `"}}`...)
}
