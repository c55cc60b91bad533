//go:build !(linux || freebsd || openbsd || netbsd || dragonfly)

package creds

// SessionBusAvailable is true where go-keyring does not use D-Bus (macOS Keychain, Windows Credential
// Manager): there is no bus to be missing.
func SessionBusAvailable() bool { return true }
