// Package credstest holds keychain fakes for tests of creds and of the commands built on it.
//
// They exist instead of keyring.MockInit because MockInit swaps go-keyring's process-wide provider for
// good: a test binary that calls it can no longer reach the real Secret Service, which would quietly
// turn the real-keychain tests in the same binary into mock tests.
package credstest

import (
	"sync"
	"sync/atomic"

	"github.com/zalando/go-keyring"
)

// MemKeychain keeps secrets in memory. It satisfies creds.Keychain.
type MemKeychain struct {
	mu    sync.Mutex
	items map[string]string // service + "\x00" + user → secret
	err   error
}

// NewMemKeychain returns an empty, working keychain.
func NewMemKeychain() *MemKeychain { return &MemKeychain{items: map[string]string{}} }

// Fail makes every later call return err (one of go-keyring's messages, to simulate a missing or
// locked keychain); nil makes it work again.
func (m *MemKeychain) Fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.err = err
}

// Lookup reads an item without going through the Keychain interface, for assertions.
func (m *MemKeychain) Lookup(service, user string) (string, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.items[service+"\x00"+user]
	return v, ok
}

// Len is the number of stored items, for "nothing left" assertions.
func (m *MemKeychain) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.items)
}

// Get reads a secret, or keyring.ErrNotFound.
func (m *MemKeychain) Get(service, user string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return "", m.err
	}
	v, ok := m.items[service+"\x00"+user]
	if !ok {
		return "", keyring.ErrNotFound
	}
	return v, nil
}

// Set stores a secret.
func (m *MemKeychain) Set(service, user, password string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	m.items[service+"\x00"+user] = password
	return nil
}

// Delete removes a secret, or returns keyring.ErrNotFound.
func (m *MemKeychain) Delete(service, user string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.err != nil {
		return m.err
	}
	if _, ok := m.items[service+"\x00"+user]; !ok {
		return keyring.ErrNotFound
	}
	delete(m.items, service+"\x00"+user)
	return nil
}

// StuckKeychain never answers until Release, like a locked keyring waiting for an unlock prompt that
// nobody sees; afterwards it behaves like the MemKeychain behind it (someone unlocked it).
type StuckKeychain struct {
	mem     *MemKeychain
	calls   atomic.Int32
	release chan struct{}
	once    sync.Once
}

// NewStuckKeychain returns a keychain that blocks every call until Release.
func NewStuckKeychain() *StuckKeychain {
	return &StuckKeychain{mem: NewMemKeychain(), release: make(chan struct{})}
}

// Release lets blocked and later calls through. Call it in t.Cleanup so no goroutine outlives the test.
func (s *StuckKeychain) Release() { s.once.Do(func() { close(s.release) }) }

// Calls is how many calls reached the keychain.
func (s *StuckKeychain) Calls() int { return int(s.calls.Load()) }

func (s *StuckKeychain) wait() {
	s.calls.Add(1)
	<-s.release
}

// Get blocks until Release.
func (s *StuckKeychain) Get(service, user string) (string, error) {
	s.wait()
	return s.mem.Get(service, user)
}

// Set blocks until Release.
func (s *StuckKeychain) Set(service, user, password string) error {
	s.wait()
	return s.mem.Set(service, user, password)
}

// Delete blocks until Release.
func (s *StuckKeychain) Delete(service, user string) error {
	s.wait()
	return s.mem.Delete(service, user)
}
