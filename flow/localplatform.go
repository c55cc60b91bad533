package flow

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/cioaep/cioaep/flow/local"
)

// inProcessPlatform is the local platform this process started, shared by every caller of LocalPlatform:
// the wizard connects more than once (credentials, then setup), and one caller's stop must not pull the
// platform from under another. The last stop shuts it down.
var inProcessPlatform struct {
	mu       sync.Mutex
	base     string
	refs     int
	shutdown func()
}

// LocalPlatform gives `cioaep --local` a local platform: the one this process already runs, one already
// listening on addr (recognised by its health endpoint, which no other service answers), or else one
// started in this process on addr, or on a free port when something else holds it. An empty addr skips
// the look and starts one on a free port. stop releases this caller's use; a platform this process
// started shuts down after the last release, and one run by another process is left alone.
func LocalPlatform(ctx context.Context, addr, dataDir string) (baseURL string, stop func(), err error) {
	ip := &inProcessPlatform
	ip.mu.Lock()
	defer ip.mu.Unlock()
	if ip.refs == 0 {
		if base := "http://" + addr; addr != "" && IsLocalPlatform(ctx, base) {
			return base, func() {}, nil
		}
		base, shutdown, err := startLocalPlatform(addr, dataDir)
		if err != nil {
			return "", nil, fmt.Errorf("start the local platform: %w", err)
		}
		ip.base, ip.shutdown = base, shutdown
	}
	ip.refs++
	var once sync.Once
	return ip.base, func() {
		once.Do(func() {
			ip.mu.Lock()
			defer ip.mu.Unlock()
			if ip.refs--; ip.refs == 0 {
				ip.shutdown()
			}
		})
	}, nil
}

// startLocalPlatform serves a local platform in this process on addr, or on a free loopback port when
// addr is empty or taken.
func startLocalPlatform(addr, dataDir string) (string, func(), error) {
	ln, err := net.Listen("tcp", cmp.Or(addr, "127.0.0.1:0"))
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return "", nil, fmt.Errorf("listen on a loopback port: %w", err)
		}
	}
	base := "http://" + ln.Addr().String()
	p, err := local.Open(local.Config{DataDir: dataDir, BaseURL: base})
	if err != nil {
		ln.Close()
		return "", nil, err
	}
	srv := local.NewServer(p, local.DefaultServerLimits)
	go func() { _ = srv.Serve(local.Listener(ln, local.DefaultServerLimits)) }()
	return base, func() {
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(shutdownCtx)
		_ = p.Close()
	}, nil
}

// IsLocalPlatform asks base for the local platform's health answer.
func IsLocalPlatform(ctx context.Context, base string) bool {
	ctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+local.HealthPath, nil)
	if err != nil {
		return false
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	var h struct {
		Service string `json:"service"`
	}
	return res.StatusCode == http.StatusOK && json.NewDecoder(res.Body).Decode(&h) == nil && h.Service == "cioaep-local"
}

// ServedLocally reports whether endpoint is on this machine and answers as cioaep's local platform.
// Other hosts are not asked: Adobe's inlet has no such endpoint and the request would be noise in its logs.
func ServedLocally(ctx context.Context, endpoint string) bool {
	u, err := url.Parse(endpoint)
	if err != nil || !IsLoopback(u.Hostname()) {
		return false
	}
	return IsLocalPlatform(ctx, u.Scheme+"://"+u.Host)
}

// IsLoopback reports whether host names this machine.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
