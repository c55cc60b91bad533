package local

import (
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"time"
)

// ServerLimits bound what idle or slow clients can hold: 20,000 idle keep-alive connections exhausted
// the process's file descriptors, and bodies dripped a byte at a time stayed open indefinitely.
type ServerLimits struct {
	ReadHeader time.Duration // to read a request's headers
	Read       time.Duration // to read a whole request, body included (inlet bodies are at most 1 MB)
	Idle       time.Duration // a keep-alive connection waiting for its next request
	MaxConns   int           // connections served at once; more wait to be accepted
}

// DefaultServerLimits suit one developer's machine and a test suite: generous for real clients, short
// enough that abandoned connections are reclaimed.
var DefaultServerLimits = ServerLimits{ReadHeader: 10 * time.Second, Read: 30 * time.Second, Idle: 60 * time.Second, MaxConns: 512}

// NewServer returns an *http.Server for h with lim's timeouts; serve it on Listener(ln, lim).
func NewServer(h http.Handler, lim ServerLimits) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: lim.ReadHeader, ReadTimeout: lim.Read, IdleTimeout: lim.Idle,
		ErrorLog: log.New(io.Discard, "", 0)}
}

// Listener caps ln at lim.MaxConns open connections: Accept waits while that many are open, so a
// flood queues in the kernel's backlog instead of taking every file descriptor.
func Listener(ln net.Listener, lim ServerLimits) net.Listener {
	return &capListener{Listener: ln, slots: make(chan struct{}, lim.MaxConns)}
}

type capListener struct {
	net.Listener
	slots chan struct{}
}

func (l *capListener) Accept() (net.Conn, error) {
	l.slots <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.slots
		return nil, err
	}
	return &capConn{Conn: c, release: func() { <-l.slots }}, nil
}

type capConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *capConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
