package local

import (
	"bufio"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDataFilesPrivate: with --data on an existing 0755 directory, the database and its -wal and -shm
// files are 0600, files an older version left 0644 are tightened, and the directory gets a warning.
func TestDataFilesPrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "shared")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755) // whatever the umask
	p, err := Open(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.st.db.Exec(`INSERT INTO meta (key, value) VALUES ('probe', 'x') ON CONFLICT (key) DO UPDATE SET value = 'y'`); err != nil {
		t.Fatal(err) // a write, so the -wal and -shm files exist
	}
	wantPrivate := func(when string) {
		t.Helper()
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			info, err := e.Info()
			if err != nil {
				continue
			}
			if info.Mode().IsRegular() && info.Mode().Perm()&0o077 != 0 {
				t.Errorf("%s: %s is %#o, want 0600", when, e.Name(), info.Mode().Perm())
			}
		}
	}
	wantPrivate("new database")
	if n := len(mustGlob(t, filepath.Join(dir, dbFile+"*"))); n < 2 {
		t.Errorf("only %d database files: the -wal/-shm check saw nothing", n)
	}
	p.Close()

	os.Chmod(filepath.Join(dir, dbFile), 0o644) // as an older cioaep left it
	p, err = Open(Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	wantPrivate("reopened database")
	p.Close()

	if w := DataDirWarning(dir); !strings.Contains(w, dir) || !strings.Contains(w, "0755") {
		t.Errorf("no warning for a 0755 data directory: %q", w)
	}
	os.Chmod(dir, 0o700)
	if w := DataDirWarning(dir); w != "" {
		t.Errorf("warning for a 0700 directory: %q", w)
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	m, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestServerReclaimsIdleAndSlowConnections: the server closes a keep-alive connection left idle and a
// request whose body never finishes, and serves at most MaxConns connections at once. The limits are
// made short here; a client deadline far beyond them only keeps a broken server from hanging the test.
func TestServerReclaimsIdleAndSlowConnections(t *testing.T) {
	lim := ServerLimits{ReadHeader: 2 * time.Second, Read: 300 * time.Millisecond, Idle: 200 * time.Millisecond, MaxConns: 2}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		buf := make([]byte, 1024)
		for {
			if _, err := r.Body.Read(buf); err != nil {
				break
			}
		}
		w.Write([]byte("ok"))
	}), lim)
	go srv.Serve(Listener(ln, lim))
	defer srv.Close()
	addr := ln.Addr().String()

	closedByServer := func(name string, c net.Conn) {
		t.Helper()
		c.SetReadDeadline(time.Now().Add(20 * time.Second))
		r := bufio.NewReader(c)
		for {
			if _, err := r.ReadByte(); err != nil {
				if ne, ok := err.(net.Error); ok && ne.Timeout() {
					t.Errorf("%s: the server never closed the connection", name)
				}
				return
			}
		}
	}
	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	idle.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	closedByServer("idle keep-alive", idle)

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	slow.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\nabc"))
	closedByServer("slow body", slow)

	// Two held connections fill the cap; a third is served only once one of them goes.
	held := []net.Conn{}
	for range 2 {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, c)
	}
	time.Sleep(50 * time.Millisecond) // let the server accept both
	third, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	third.Write([]byte("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
	third.SetReadDeadline(time.Now().Add(20 * time.Second))
	reply, err := bufio.NewReader(third).ReadString('\n')
	if err != nil || !strings.Contains(reply, "200") {
		t.Errorf("third connection after the held ones were reclaimed: %q %v", reply, err)
	}
	// The third was served only after the server dropped a held connection, so one is closed already.
	dropped := 0
	for _, c := range held {
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		if _, err := c.Read(make([]byte, 1)); err != nil {
			if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
				dropped++
			}
		}
		c.Close()
	}
	if dropped == 0 {
		t.Error("the third connection was served while MaxConns connections were open")
	}
}
