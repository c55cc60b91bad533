package creds

import (
	"strings"
	"testing"
)

func TestNormalizeOrgID(t *testing.T) {
	t.Parallel()
	const want = "0123456789ABCDEF01234567@AdobeOrg"
	for _, in := range []string{want, " " + want + "\n", "0123456789abcdef01234567@AdobeOrg", "0123456789ABCDEF01234567@adobeorg"} {
		got, err := NormalizeOrgID(in)
		if err != nil || got != want {
			t.Errorf("NormalizeOrgID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, says := range map[string]string{
		"":                                   "empty",
		"0123456789ABCDEF01234567":           "end in @AdobeOrg",
		"0123456789ABCDEF01234567@Adobe":     "end in @AdobeOrg",
		"0123456789ABCDEF0123456@AdobeOrg":   "(this one has 23",
		"0123456789ABCDEF0123456Z@AdobeOrg":  "other characters",
		"0123456789ABCDEF012345678@AdobeOrg": "(this one has 25",
		"p8e-SecretLooking@AdobeOrg":         "hexadecimal",
	} {
		_, err := NormalizeOrgID(in)
		if err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("NormalizeOrgID(%q) error = %v, want one saying %q", in, err, says)
			continue
		}
		if in != "" && strings.Contains(err.Error(), strings.TrimSuffix(in, "@AdobeOrg")) {
			t.Errorf("error quotes the input: %v", err)
		}
	}
}

func TestNormalizeScopes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"openid,AdobeID":                                    "openid,AdobeID",
		"openid, AdobeID, read_organizations":               "openid,AdobeID,read_organizations",
		" openid ,additional_info.projectedProductContext ": "openid,additional_info.projectedProductContext",
		"openid,openid,session":                             "openid,session",
	} {
		got, err := NormalizeScopes(in)
		if err != nil || got != want {
			t.Errorf("NormalizeScopes(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for in, says := range map[string]string{
		"":                   "empty",
		"  ":                 "empty",
		"openid,,AdobeID":    "scope 2",
		"openid,":            "scope 2",
		"openid AdobeID":     `"openid AdobeID" contains a space`,
		"openid;AdobeID":     "characters",
		"openid,read orgs,x": `"read orgs"`,
	} {
		if _, err := NormalizeScopes(in); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("NormalizeScopes(%q) error = %v, want one saying %q", in, err, says)
		}
	}
}

func TestNormalizeClientID(t *testing.T) {
	t.Parallel()
	if got, err := NormalizeClientID(" 0123abcd \n"); err != nil || got != "0123abcd" {
		t.Errorf("NormalizeClientID = %q, %v", got, err)
	}
	for in, says := range map[string]string{"": "empty", "ab cd": "spaces", strings.Repeat("a", 300): "too long"} {
		if _, err := NormalizeClientID(in); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("NormalizeClientID(%q) error = %v, want %q", in, err, says)
		}
	}
}

func TestCheckClientSecret(t *testing.T) {
	t.Parallel()
	if err := CheckClientSecret("p8e-abc_DEF-123"); err != nil {
		t.Error(err)
	}
	for in, says := range map[string]string{"": "empty", "p8e abc": "white space", "p8e\nabc": "white space"} {
		if err := CheckClientSecret(in); err == nil || !strings.Contains(err.Error(), says) {
			t.Errorf("CheckClientSecret(%q) error = %v, want %q", in, err, says)
		}
	}
}

func TestCheckProfileName(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"default", "work-2", "a.b_c", "X"} {
		if err := CheckProfileName(ok); err != nil {
			t.Errorf("CheckProfileName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "../x", "a/b", ".hidden", "-flag", "has space", strings.Repeat("a", 65)} {
		if err := CheckProfileName(bad); err == nil {
			t.Errorf("CheckProfileName(%q) accepted", bad)
		}
	}
}
