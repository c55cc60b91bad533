package creds

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var (
	profileName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
	orgID       = regexp.MustCompile(`^[0-9A-F]{24}@AdobeOrg$`)
	scopeName   = regexp.MustCompile(`^[A-Za-z0-9_.:/-]+$`)
)

// CheckProfileName accepts names that are safe as a directory name and as part of a keychain account:
// letters, digits, '.', '_' and '-', not starting with a dot, at most 64 characters.
func CheckProfileName(name string) error {
	if !profileName.MatchString(name) {
		return fmt.Errorf("profile name %q is not usable: use letters, digits, '.', '_' or '-' (at most 64, not starting with '.' or '-')", name)
	}
	return nil
}

// NormalizeOrgID checks an IMS organization id and returns it in Adobe's canonical form.
//
// Adobe issues org ids as 24 upper-case hex digits followed by "@AdobeOrg". Lower-case hex and a
// lower-case suffix are accepted and upper-cased, because they can only be a copy of the same id that
// went through something that lower-cased it, and refusing them would just make the user retype it.
// Surrounding spaces (a sloppy paste) are trimmed. The message never quotes the input, in case a
// secret was pasted into the wrong field.
func NormalizeOrgID(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("the organization id is empty: copy it from the credential page in Developer Console (it ends in @AdobeOrg)")
	}
	hex, suffix, found := strings.Cut(s, "@")
	if !found || !strings.EqualFold(suffix, "AdobeOrg") {
		return "", errors.New("the organization id must end in @AdobeOrg: copy it from the credential page in Developer Console")
	}
	id := strings.ToUpper(hex) + "@AdobeOrg"
	switch {
	case len(hex) != 24:
		return "", fmt.Errorf("the organization id must be 24 hexadecimal characters before @AdobeOrg (this one has %d): copy it from the credential page in Developer Console", len(hex))
	case !orgID.MatchString(id):
		return "", errors.New("the organization id must be 24 hexadecimal characters (0-9, A-F) before @AdobeOrg, and this one has other characters: copy it from the credential page in Developer Console")
	}
	return id, nil
}

// NormalizeClientID checks a client id (Developer Console also calls it the API key).
func NormalizeClientID(s string) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", errors.New("the client id is empty: copy it from the credential page in Developer Console")
	case strings.ContainsAny(s, " \t\r\n"):
		return "", errors.New("the client id contains spaces: copy it again from the credential page in Developer Console")
	case len(s) > 256:
		return "", errors.New("the client id is too long to be an Adobe client id: copy it again from the credential page in Developer Console")
	}
	return s, nil
}

// NormalizeScopes checks a comma-separated scope list and returns it without spaces. Developer Console
// displays scopes as "openid, AdobeID, …", so spaces around commas are fine; a space inside a name is
// not, nor is an empty name. Duplicates are dropped, keeping the first occurrence's order.
func NormalizeScopes(s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", errors.New("the scope list is empty: copy it from the credential page in Developer Console")
	}
	var out []string
	seen := map[string]bool{}
	for i, raw := range strings.Split(s, ",") {
		name := strings.TrimSpace(raw)
		switch {
		case name == "":
			return "", fmt.Errorf("scope %d in the list is empty: separate scope names with single commas", i+1)
		case strings.ContainsAny(name, " \t"):
			return "", fmt.Errorf("scope %q contains a space: separate scope names with commas", name)
		case !scopeName.MatchString(name):
			return "", fmt.Errorf("scope %q contains characters Adobe scope names do not use", name)
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return strings.Join(out, ","), nil
}

// CheckClientSecret rejects values that cannot be a client secret. Trailing newlines from a pipe are the
// caller's to trim; anything left that is blank or contains white space is a paste gone wrong.
func CheckClientSecret(s string) error {
	switch {
	case s == "":
		return errors.New("the client secret is empty: copy it from the credential page in Developer Console (Retrieve client secret)")
	case strings.ContainsAny(s, " \t\r\n"):
		return errors.New("the client secret contains white space: copy it again from the credential page in Developer Console")
	}
	return nil
}
