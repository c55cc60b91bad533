package aep

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
)

// Connections cost round trips before the first byte: a TCP handshake, and over HTTPS a TLS one. The
// engine runs up to three calls at once (tenant, schema and validation; then source, target and
// mapping set), so a client whose pool starts empty, or keeps only Go's default two idle connections,
// pays those handshakes on the critical path again and again. The client's own transport keeps enough
// idle connections for the fan-out and dials them while IMS issues the token, off the critical path.

// fanOut is the most Platform calls the engine has in flight at once.
const fanOut = 3

// warmIdle is how long a connection dialled ahead of need waits for a request before it is closed.
const warmIdle = 30 * time.Second

// preconnect hands out connections to the Platform host that were dialled ahead of need.
type preconnect struct {
	scheme, host, addr string
	dialer             net.Dialer
	once               sync.Once
	ready              chan net.Conn
}

// newHTTPClient is the client New gives a Config without one: Go's default transport (HTTP/2 over
// TLS when the server offers it, proxies from the environment), an idle pool sized for the fan-out, and
// connections to platformURL dialled early by warm.
func newHTTPClient(platformURL string) (*http.Client, *preconnect) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 4 * fanOut
	pc := newPreconnect(platformURL)
	if pc == nil {
		return &http.Client{Transport: tr}, nil
	}
	tr.DialContext = pc.dial
	if pc.scheme == "https" {
		tr.DialTLSContext = pc.dialTLS
	}
	return &http.Client{Transport: tr}, pc
}

// newPreconnect returns nil when connections to platformURL go through a proxy, or the URL is not one
// it can dial.
func newPreconnect(platformURL string) *preconnect {
	u, err := url.Parse(platformURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil
	}
	if p, err := http.ProxyFromEnvironment(&http.Request{URL: u}); err != nil || p != nil {
		return nil
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	return &preconnect{scheme: u.Scheme, host: u.Hostname(), addr: net.JoinHostPort(u.Hostname(), port),
		dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}, ready: make(chan net.Conn, fanOut+1)}
}

// warm dials the connections once per client, in the background: one per call of the fan-out, and
// one more for the token request, which takes one when IMS shares the Platform's host (the local
// platform serves both). Over HTTPS one connection is enough: HTTP/2 carries the fan-out on it.
func (pc *preconnect) warm() {
	if pc == nil {
		return
	}
	pc.once.Do(func() {
		n := fanOut + 1
		if pc.scheme == "https" {
			n = 1
		}
		for range n {
			go func() {
				ctx, cancel := context.WithTimeout(context.Background(), pc.dialer.Timeout)
				defer cancel()
				c, err := pc.connect(ctx)
				if err != nil {
					return // the request that needs it dials again and reports the error
				}
				pc.ready <- c
			}()
		}
		time.AfterFunc(warmIdle, pc.drain)
	})
}

// connect dials the Platform host, with the TLS handshake done for HTTPS.
func (pc *preconnect) connect(ctx context.Context) (net.Conn, error) {
	if pc.scheme != "https" {
		return pc.dialer.DialContext(ctx, "tcp", pc.addr)
	}
	d := tls.Dialer{NetDialer: &pc.dialer, Config: &tls.Config{ServerName: pc.host, NextProtos: []string{"h2", "http/1.1"}}}
	return d.DialContext(ctx, "tcp", pc.addr)
}

// take returns a connection dialled ahead, if one is ready.
func (pc *preconnect) take(addr string) net.Conn {
	if addr != pc.addr {
		return nil
	}
	select {
	case c := <-pc.ready:
		return c
	default:
		return nil
	}
}

func (pc *preconnect) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	if pc.scheme == "http" {
		if c := pc.take(addr); c != nil {
			return c, nil
		}
	}
	return pc.dialer.DialContext(ctx, network, addr)
}

func (pc *preconnect) dialTLS(ctx context.Context, network, addr string) (net.Conn, error) {
	if c := pc.take(addr); c != nil {
		return c, nil
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	d := tls.Dialer{NetDialer: &pc.dialer, Config: &tls.Config{ServerName: host, NextProtos: []string{"h2", "http/1.1"}}}
	return d.DialContext(ctx, network, addr)
}

// drain closes the connections nobody asked for.
func (pc *preconnect) drain() {
	for {
		select {
		case c := <-pc.ready:
			c.Close()
		default:
			return
		}
	}
}
