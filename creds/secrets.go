package creds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/zalando/go-keyring"

	"github.com/cioaep/cioaep/creds/atomicfile"
)

// Item names one kind of secret a profile can hold; it is the second half of the keychain account.
type Item string

// The secrets cioaep keeps, one keychain account "<profile>/<item>" each.
const (
	ClientSecret  Item = "client-secret"   // the Adobe OAuth Server-to-Server client secret
	CIOAppAPIKey  Item = "cio-app-api-key" // Customer.io App API key, for installing the webhook
	CIOSigningKey Item = "cio-signing-key" // Customer.io webhook signing key
)

// Location says where a secret was found or put; auth status shows it.
type Location string

const (
	LocationEnvironment Location = "environment"    // CIOAEP_CLIENT_SECRET; never stored anywhere
	LocationKeychain    Location = "keychain"       // the OS keychain
	LocationPlaintext   Location = "plaintext file" // opted in with --insecure-storage
)

// EnvClientSecret overrides the stored client secret for one run (CI), and is never written anywhere.
const EnvClientSecret = "CIOAEP_CLIENT_SECRET"

// ErrNotStored means the secret is in none of the places Get looks.
var ErrNotStored = errors.New("no secret stored")

// plaintextName is the opt-in plaintext secrets file, next to the config file.
const plaintextName = "secrets.json"

// Secrets resolves and stores a profile's secrets. Safe for concurrent use by one process.
type Secrets struct {
	plaintext string
	kc        *guardedKeychain
}

// Option adjusts NewSecrets.
type Option func(*Secrets)

// WithKeychain replaces the OS keychain and the per-call timeout, for tests and for callers that know
// better (a wizard may allow a longer wait while it shows an unlock hint).
func WithKeychain(kc Keychain, timeout time.Duration) Option {
	return func(s *Secrets) { s.kc = &guardedKeychain{kc: kc, timeout: timeout} }
}

// NewSecrets uses the OS keychain with DefaultKeychainTimeout, and the plaintext file in the config dir.
func NewSecrets(paths Paths, opts ...Option) *Secrets {
	s := &Secrets{
		plaintext: filepath.Join(paths.ConfigDir(), plaintextName),
		kc:        &guardedKeychain{kc: SystemKeychain{}, timeout: DefaultKeychainTimeout},
	}
	for _, o := range opts {
		o(s)
	}
	return s
}

// PlaintextPath is where --insecure-storage puts secrets, for messages that point at it.
func (s *Secrets) PlaintextPath() string { return s.plaintext }

// Probe checks whether the keychain answers, within the timeout.
func (s *Secrets) Probe(ctx context.Context) Probe { return s.kc.probe(ctx) }

func account(profile string, item Item) string { return profile + "/" + string(item) }

func checkItem(profile string, item Item) error {
	if err := CheckProfileName(profile); err != nil {
		return err
	}
	switch item {
	case ClientSecret, CIOAppAPIKey, CIOSigningKey:
		return nil
	}
	return fmt.Errorf("unknown secret %q", item)
}

// Get finds a secret: CIOAEP_CLIENT_SECRET first (client secret only), then the keychain, then the
// plaintext file. When the secret is nowhere and the keychain could not be asked, the *KeychainError is
// returned, because "the keychain is locked" is the useful thing to tell the user, not "not found".
func (s *Secrets) Get(ctx context.Context, profile string, item Item) (string, Location, error) {
	if err := checkItem(profile, item); err != nil {
		return "", "", err
	}
	if item == ClientSecret {
		if v := os.Getenv(EnvClientSecret); v != "" {
			return v, LocationEnvironment, nil
		}
	}
	v, kerr := s.kc.get(ctx, account(profile, item))
	if kerr == nil {
		return v, LocationKeychain, nil
	}
	var ke *KeychainError
	if !errors.Is(kerr, keyring.ErrNotFound) && !errors.As(kerr, &ke) {
		return "", "", fmt.Errorf("read %s of profile %q from the keychain: %w", item, profile, kerr)
	}
	file, err := s.readPlaintext()
	if err != nil {
		return "", "", err
	}
	if v, ok := file.Secrets[account(profile, item)]; ok {
		return v, LocationPlaintext, nil
	}
	if ke != nil {
		return "", "", ke
	}
	return "", "", fmt.Errorf("%w: no %s for profile %q", ErrNotStored, item, profile)
}

// Set stores a secret in the keychain. Only when the keychain is unusable and insecure is true (the
// user passed --insecure-storage) does it go to the plaintext file instead; without that opt-in the
// *KeychainError comes back and nothing is written. A working keychain always wins, even with the
// flag, and storing there removes any older plaintext copy so the secret exists in one place only.
func (s *Secrets) Set(ctx context.Context, profile string, item Item, value string, insecure bool) (Location, error) {
	if err := checkItem(profile, item); err != nil {
		return "", err
	}
	if value == "" {
		return "", fmt.Errorf("refusing to store an empty %s", item)
	}
	err := s.kc.set(ctx, account(profile, item), value)
	if err == nil {
		return LocationKeychain, s.removePlaintext(profile, item)
	}
	var ke *KeychainError
	if !errors.As(err, &ke) {
		return "", fmt.Errorf("store %s of profile %q in the keychain: %w", item, profile, err)
	}
	if !insecure {
		return "", ke
	}
	return LocationPlaintext, s.updatePlaintext(func(m map[string]string) { m[account(profile, item)] = value })
}

// Delete removes a secret from the plaintext file and the keychain. Not finding it is not an error.
// The plaintext copy goes first, so that a keychain that cannot be reached leaves nothing on disk.
func (s *Secrets) Delete(ctx context.Context, profile string, item Item) error {
	if err := checkItem(profile, item); err != nil {
		return err
	}
	if err := s.removePlaintext(profile, item); err != nil {
		return err
	}
	err := s.kc.delete(ctx, account(profile, item))
	var ke *KeychainError
	switch {
	case err == nil, errors.Is(err, keyring.ErrNotFound):
		return nil
	case errors.As(err, &ke):
		return ke
	default:
		return fmt.Errorf("remove %s of profile %q from the keychain: %w", item, profile, err)
	}
}

// plaintextFile is the on-disk form of the opt-in secrets file: account → value.
type plaintextFile struct {
	Version int               `json:"version"`
	Secrets map[string]string `json:"secrets"`
}

func (s *Secrets) readPlaintext() (plaintextFile, error) {
	f := plaintextFile{Version: 1, Secrets: map[string]string{}}
	data, err := os.ReadFile(s.plaintext)
	if errors.Is(err, fs.ErrNotExist) {
		return f, nil
	}
	if err != nil {
		return f, fmt.Errorf("read %s: %w", s.plaintext, err)
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return f, fmt.Errorf("secrets file %s is damaged (%s); cioaep will not overwrite it: fix it or remove it and log in again", s.plaintext, describeJSONError(err))
	}
	if f.Secrets == nil {
		f.Secrets = map[string]string{}
	}
	return f, nil
}

// updatePlaintext rewrites the plaintext file with change applied, and deletes the file once it is
// empty, so that logging out of the last plaintext profile leaves no secrets file behind.
func (s *Secrets) updatePlaintext(change func(map[string]string)) error {
	// Re-read under the lock, so that two logins at once both keep their secret.
	release, err := lockFile(s.plaintext)
	if err != nil {
		return err
	}
	defer release()
	f, err := s.readPlaintext()
	if err != nil {
		return err
	}
	change(f.Secrets)
	if len(f.Secrets) == 0 {
		if err := os.Remove(s.plaintext); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove %s: %w", s.plaintext, err)
		}
		return nil
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("encode %s: %w", s.plaintext, err)
	}
	return atomicfile.Write(s.plaintext, append(data, '\n'))
}

// removePlaintext drops one entry, touching the file only when it holds that entry.
func (s *Secrets) removePlaintext(profile string, item Item) error {
	f, err := s.readPlaintext()
	if err != nil {
		return err
	}
	if _, ok := f.Secrets[account(profile, item)]; !ok {
		return nil
	}
	return s.updatePlaintext(func(m map[string]string) { delete(m, account(profile, item)) })
}
