package cmd

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/charmbracelet/huh"
	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"

	"github.com/cioaep/cioaep/flow/safetext"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdAuth(g)) })
}

// authVerifyTimeout caps the token request that login and status make. The client's own retries are
// bounded too; this keeps "is my credential usable?" from taking minutes when IMS is unreachable.
const authVerifyTimeout = 45 * time.Second

// locationLocalDefault is reported when a local profile uses the local platform's documented default
// secret (LocalClientSecret), which is not a secret and is never stored.
const locationLocalDefault creds.Location = "local platform default"

// authDeps is what the auth commands reach outside the process for. newAuthDeps gives the real ones;
// tests build their own (a fake keychain) and call the run functions directly. The Platform side goes
// through Factory.Connect (client.go) like every other command, redirected in tests by CIOAEP_IMS_URL.
type authDeps struct {
	secrets *creds.Secrets
	// interactive is true when stdin is a terminal, so login may show a form.
	interactive bool
}

func newAuthDeps(g *Factory) authDeps {
	return authDeps{secrets: g.Secrets(), interactive: g.IO.IsStdinTTY()}
}

// NewCmdAuth builds auth and its subcommands.
func NewCmdAuth(g *Factory) *cobra.Command {
	auth := &cobra.Command{
		Use:   "auth",
		Short: "Log in to Adobe Experience Platform, check or remove the stored credential",
		Args:  cobra.NoArgs,
	}
	auth.AddCommand(NewCmdAuthLogin(g, nil), NewCmdAuthStatus(g, nil), NewCmdAuthLogout(g, nil))
	return auth
}

// authLoginOptions are auth login's flags. Empty strings mean "not given": the profile's saved value, or
// the form, or a default fills them.
type authLoginOptions struct {
	orgID, clientID, scopes, sandbox string
	secretStdin, insecure            bool
}

// NewCmdAuthLogin builds auth login; runF, when not nil, replaces the run (see NewCmdSetup).
func NewCmdAuthLogin(g *Factory, runF func(context.Context, *authLoginOptions) error) *cobra.Command {
	o := &authLoginOptions{}
	c := &cobra.Command{
		Use:   "login",
		Short: "Verify an OAuth Server-to-Server credential and store it (the secret in the OS keychain)",
		Long: `Verifies the credential from Adobe Developer Console by fetching an access token, then saves the
profile to the config file and the client secret to the OS keychain. Without a terminal, pass the values
as flags and the secret on stdin (--client-secret-stdin) or in CIOAEP_CLIENT_SECRET, which is never stored.`,
		Example: `  printf %s "$SECRET" | cioaep auth login --org-id 0123456789ABCDEF01234567@AdobeOrg \
      --client-id 0123abcd... --client-secret-stdin`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runAuthLogin(cmd.Context(), g, newAuthDeps(g), *o)
		},
	}
	f := c.Flags()
	f.StringVar(&o.orgID, "org-id", "", "IMS organization `id` (24 hex characters + @AdobeOrg)")
	f.StringVar(&o.clientID, "client-id", "", "OAuth Server-to-Server client `id` (the API key)")
	f.StringVar(&o.scopes, "scopes", "", "comma-separated `scopes` (default "+flow.DefaultScopes+")")
	f.StringVar(&o.sandbox, "sandbox", "", "sandbox `name` the profile uses (default prod)")
	f.BoolVar(&o.secretStdin, "client-secret-stdin", false, "read the client secret from stdin")
	f.BoolVar(&o.insecure, "insecure-storage", false, "if the OS keychain is unusable, store the secret in a plaintext file (mode 0600) instead of failing")
	return c
}

func runAuthLogin(ctx context.Context, g *Factory, deps authDeps, o authLoginOptions) error {
	if err := creds.CheckProfileName(g.Profile); err != nil {
		return usageErr("%v", err)
	}
	cfg, err := g.config()
	if err != nil {
		return err
	}
	p, secret, loc, err := authLoginValues(ctx, g, deps, cfg, o)
	if err != nil {
		return err
	}
	store := loc == ""

	// Check the keychain before asking IMS, so that a user without one hears about it at once, not
	// after a successful verification that then cannot be saved.
	if store && !o.insecure {
		if probe := deps.secrets.Probe(ctx); probe.Status != creds.Usable {
			return &ExitError{Code: ExitFailed, Err: errors.New(authNoKeychain("cannot store the client secret", probe))}
		}
	}

	conn, err := g.Connect(ctx, overrides{OrgID: p.OrgID, ClientID: p.ClientID, Scopes: p.Scopes, Sandbox: p.Sandbox, ClientSecret: secret})
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := authVerifyToken(ctx, conn.Session); err != nil {
		return err
	}
	if store {
		if loc, err = deps.secrets.Set(ctx, g.Profile, creds.ClientSecret, secret, o.insecure); err != nil {
			var ke *creds.KeychainError
			if errors.As(err, &ke) {
				return &ExitError{Code: ExitFailed, Err: errors.New(authNoKeychain("cannot store the client secret", ke.Probe))}
			}
			return err
		}
	}
	if err := conn.saveProfile(); err != nil {
		return err
	}
	return authReportLogin(g, deps, conn.Profile, loc)
}

// authLoginValues merges flags, the profile's saved values, defaults and (on a terminal) a form into
// the values to log in with. loc is where the secret comes from when it is not to be stored:
// CIOAEP_CLIENT_SECRET, or the local platform's default; "" means it was typed or piped in, to store.
func authLoginValues(ctx context.Context, g *Factory, deps authDeps, cfg *creds.Config, o authLoginOptions) (p creds.Profile, secret string, loc creds.Location, err error) {
	p, _ = cfg.Profile(g.Profile)
	p.OrgID = cmp.Or(o.orgID, p.OrgID)
	p.ClientID = cmp.Or(o.clientID, p.ClientID)
	p.Scopes = cmp.Or(o.scopes, p.Scopes, flow.DefaultScopes)
	p.Sandbox = cmp.Or(o.sandbox, p.Sandbox, "prod")

	switch {
	case o.secretStdin:
		if secret, err = readClientSecretStdin(g.IO.In); err != nil {
			return p, "", "", err
		}
	case os.Getenv(creds.EnvClientSecret) != "":
		secret, loc = os.Getenv(creds.EnvClientSecret), creds.LocationEnvironment
	}

	// The local platform accepts anything, and connect fills in its documented defaults: no questions.
	if g.Local {
		if secret == "" {
			loc = locationLocalDefault
		}
		return p, secret, loc, authCheckValues(&p, secret, true)
	}
	if deps.interactive && !g.JSON {
		if err := authLoginForm(ctx, g, &p, &secret, secret == ""); err != nil {
			return p, "", "", err
		}
	}
	switch {
	case strings.TrimSpace(p.OrgID) == "":
		return p, "", "", missingErr("--org-id")
	case strings.TrimSpace(p.ClientID) == "":
		return p, "", "", missingErr("--client-id")
	case secret == "":
		return p, "", "", &ExitError{Code: ExitMissing, Err: errors.New("missing value: the client secret: pipe it into --client-secret-stdin, or set " + creds.EnvClientSecret + " (never stored)")}
	}
	return p, secret, loc, authCheckValues(&p, secret, false)
}

// authCheckValues normalises what was given and says which flag is wrong. With allowEmpty (--local),
// empty values are left for connect to fill with the local platform's defaults.
func authCheckValues(p *creds.Profile, secret string, allowEmpty bool) error {
	var err error
	if p.OrgID != "" || !allowEmpty {
		if p.OrgID, err = creds.NormalizeOrgID(p.OrgID); err != nil {
			return usageErr("--org-id: %v", err)
		}
	}
	if p.ClientID != "" || !allowEmpty {
		if p.ClientID, err = creds.NormalizeClientID(p.ClientID); err != nil {
			return usageErr("--client-id: %v", err)
		}
	}
	if secret != "" || !allowEmpty {
		if err := creds.CheckClientSecret(secret); err != nil {
			return usageErr("%v", err)
		}
	}
	if p.Scopes, err = creds.NormalizeScopes(p.Scopes); err != nil {
		return usageErr("--scopes: %v", err)
	}
	p.Sandbox = strings.ToLower(strings.TrimSpace(p.Sandbox))
	return nil
}

// authLoginForm asks for the values on a terminal, prefilled with what flags and the saved profile
// gave. The secret is masked, and asked for only when it did not come from stdin or the environment.
func authLoginForm(ctx context.Context, g *Factory, p *creds.Profile, secret *string, askSecret bool) error {
	// huh's accessible mode validates the typed line before falling back to the prefilled value, so an
	// empty line must pass when there is a value to keep; the values are checked again after the form.
	check := func(prefill string, norm func(string) (string, error)) func(string) error {
		return func(s string) error {
			if strings.TrimSpace(s) == "" && prefill != "" {
				return nil
			}
			_, err := norm(s)
			return err
		}
	}
	fields := []huh.Field{
		huh.NewInput().Title("Organization ID").Description("Developer Console → project → credential page; ends in @AdobeOrg").
			Value(&p.OrgID).Validate(check(p.OrgID, creds.NormalizeOrgID)),
		huh.NewInput().Title("Client ID").Value(&p.ClientID).Validate(check(p.ClientID, creds.NormalizeClientID)),
	}
	if askSecret {
		fields = append(fields, huh.NewInput().Title("Client secret").Description("shown as dots; stored in the OS keychain").
			EchoMode(huh.EchoModePassword).Value(secret).Validate(creds.CheckClientSecret))
	}
	fields = append(fields,
		huh.NewInput().Title("Scopes").Value(&p.Scopes).Validate(check(p.Scopes, creds.NormalizeScopes)),
		huh.NewInput().Title("Sandbox").Description("the sandbox name, in lower case (prod is the default production sandbox)").Value(&p.Sandbox),
	)
	err := huh.NewForm(huh.NewGroup(fields...)).
		WithAccessible(g.Accessible).WithInput(g.IO.In).WithOutput(g.IO.ErrOut).
		RunWithContext(ctx)
	if errors.Is(err, huh.ErrUserAborted) {
		return silentErr(ExitInterrupted)
	}
	return err
}

// authVerifyToken asks IMS for a token. A rejected pair gets Adobe-specific advice from the client's Hint.
func authVerifyToken(ctx context.Context, s *flow.Session) error {
	ctx, cancel := context.WithTimeout(ctx, authVerifyTimeout)
	defer cancel()
	if err := s.CheckToken(ctx); err != nil {
		return authExplainVerify(err)
	}
	return nil
}

func authExplainVerify(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if hint := flow.Hint(err); hint != "" {
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("%s\n  (%v)", hint, err)}
	}
	return &ExitError{Code: ExitFailed, Err: fmt.Errorf("could not get an access token, so the credential was not verified: %w", err)}
}

// authNoKeychain explains an unusable keychain and offers the ways on, as the design promises: unlock
// it when it is only locked, else the environment variable or the plaintext file.
func authNoKeychain(what string, p creds.Probe) string {
	either := "Either"
	if p.Unlockable() {
		either = "Unlock your keychain (e.g. log in to your desktop session) and run the command again, or"
	}
	return fmt.Sprintf("%s: %s (%s).\n%s\n"+
		"%s set %s for each run (it is never stored), or run cioaep auth login --insecure-storage "+
		"to keep the secret in a plaintext file (mode 0600) that cioaep auth status will flag.",
		what, p.Summary(), p.Cause, p.Explanation, either, creds.EnvClientSecret)
}

func authReportLogin(g *Factory, deps authDeps, p creds.Profile, loc creds.Location) error {
	if g.JSON {
		return authJSON(g.IO.Out, map[string]any{
			"profile": p.Name, "platform": p.Platform, "verified": true, "secretLocation": string(loc),
		})
	}
	w := authPeople(g)
	fmt.Fprintf(w, "Logged in: profile %q (%s platform, org %s); IMS issued a token, so the credential works.\n", p.Name, p.Platform, p.OrgID)
	switch loc {
	case creds.LocationKeychain:
		fmt.Fprintln(w, "The client secret is in the OS keychain.")
	case creds.LocationEnvironment:
		fmt.Fprintf(w, "The client secret came from %s and was not stored: set it for every run.\n", creds.EnvClientSecret)
	case creds.LocationPlaintext:
		fmt.Fprintf(w, "WARNING: the OS keychain is not usable, so the client secret is stored in plaintext in %s (mode 0600).\n", deps.secrets.PlaintextPath())
	case locationLocalDefault:
		fmt.Fprintln(w, "The local platform's default secret is used; nothing was stored.")
	}
	return nil
}

// authStatus is auth status's result; --json prints it as is.
type authStatus struct {
	Profile        string `json:"profile"`
	Configured     bool   `json:"configured"`
	Platform       string `json:"platform,omitempty"`
	OrgID          string `json:"orgId,omitempty"`
	ClientID       string `json:"clientId,omitempty"`
	Scopes         string `json:"scopes,omitempty"`
	Sandbox        string `json:"sandbox,omitempty"`
	SecretLocation string `json:"secretLocation"` // "" when no secret was found
	PlaintextFile  string `json:"plaintextFile,omitempty"`
	Keychain       string `json:"keychain"`
	KeychainCause  string `json:"keychainCause,omitempty"`
	Token          string `json:"token"` // "ok", "failed" or "not tried"
	Problem        string `json:"problem,omitempty"`
	Usable         bool   `json:"usable"`
	// unread says why the keychain could not be asked for the secret ("" when it was asked): then
	// "not found" would be a guess.
	unread string
}

// authStatusOptions are auth status's flags: none beyond the global ones.
type authStatusOptions struct{}

// NewCmdAuthStatus builds auth status; runF, when not nil, replaces the run.
func NewCmdAuthStatus(g *Factory, runF func(context.Context, *authStatusOptions) error) *cobra.Command {
	o := &authStatusOptions{}
	return &cobra.Command{
		Use:   "status",
		Short: "Show where the client secret lives and whether a token can be obtained now",
		Long:  "Exits 1 when the profile cannot be used now: not logged in, no secret, or no token.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runAuthStatus(cmd.Context(), g, newAuthDeps(g))
		},
	}
}

func runAuthStatus(ctx context.Context, g *Factory, deps authDeps) error {
	if err := creds.CheckProfileName(g.Profile); err != nil {
		return usageErr("%v", err)
	}
	cfg, err := g.config()
	if err != nil {
		return err
	}
	st := authStatus{Profile: g.Profile, Token: "not tried"}
	probe := deps.secrets.Probe(ctx)
	st.Keychain, st.KeychainCause = probe.Status.String(), probe.Cause

	p, ok := cfg.Profile(g.Profile)
	if !ok {
		st.Problem = fmt.Sprintf("profile %q is not logged in: run cioaep auth login", g.Profile)
		return authFinishStatus(g, st)
	}
	st.Configured = true
	st.Platform, st.OrgID, st.ClientID, st.Scopes, st.Sandbox = p.Platform, p.OrgID, p.ClientID, p.Scopes, p.Sandbox

	secret, loc, err := deps.secrets.Get(ctx, g.Profile, creds.ClientSecret)
	var ke *creds.KeychainError
	switch {
	case err == nil:
	case g.UsesLocalPlatform(p) && (errors.As(err, &ke) || errors.Is(err, creds.ErrNotStored)):
		secret, loc = "", locationLocalDefault // connect fills in the local platform's default
	case errors.As(err, &ke):
		st.Problem = authNoKeychain("cannot read the client secret", ke.Probe)
		st.unread = ke.Probe.Summary()
		return authFinishStatus(g, st)
	case errors.Is(err, creds.ErrNotStored):
		st.Problem = fmt.Sprintf("no client secret is stored for profile %q: run cioaep auth login, or set %s", g.Profile, creds.EnvClientSecret)
		return authFinishStatus(g, st)
	default:
		return err
	}
	st.SecretLocation = string(loc)
	if loc == creds.LocationPlaintext {
		st.PlaintextFile = deps.secrets.PlaintextPath()
	}

	conn, err := g.Connect(ctx, overrides{ClientSecret: secret})
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := authVerifyToken(ctx, conn.Session); err != nil {
		if errors.Is(err, context.Canceled) {
			return err
		}
		st.Token, st.Problem = "failed", err.Error()
		return authFinishStatus(g, st)
	}
	st.Token, st.Usable = "ok", true
	return authFinishStatus(g, st)
}

// authFinishStatus prints st and turns "not usable" into exit 1 without repeating the problem.
func authFinishStatus(g *Factory, st authStatus) error {
	if g.JSON {
		if err := authJSON(g.IO.Out, st); err != nil {
			return err
		}
	} else {
		authPrintStatus(results(g), st)
	}
	if !st.Usable {
		return silentErr(ExitFailed)
	}
	return nil
}

func authPrintStatus(w io.Writer, st authStatus) {
	line := func(k, v string) { fmt.Fprintf(w, "%-10s %s\n", k, v) }
	line("profile", st.Profile)
	if st.Configured {
		line("platform", st.Platform)
		line("org id", st.OrgID)
		line("client id", st.ClientID)
		line("scopes", st.Scopes)
		line("sandbox", st.Sandbox)
	}
	keychain := st.Keychain
	if st.KeychainCause != "" {
		keychain += " (" + st.KeychainCause + ")"
	}
	line("keychain", keychain)
	switch {
	case st.SecretLocation == "" && st.unread != "":
		line("secret", "unknown: "+st.unread+", so cioaep cannot look for it")
	case st.SecretLocation == "":
		line("secret", "not found")
	case st.SecretLocation == string(creds.LocationEnvironment):
		line("secret", "from "+creds.EnvClientSecret+" (not stored)")
	case st.SecretLocation == string(creds.LocationPlaintext):
		line("secret", "PLAINTEXT FILE "+st.PlaintextFile+" (stored with --insecure-storage)")
	default:
		line("secret", st.SecretLocation)
	}
	line("token", st.Token)
	if st.SecretLocation == string(creds.LocationPlaintext) {
		fmt.Fprintln(w, "\nWARNING: the client secret is stored unencrypted. Once a keychain works here, run cioaep auth login again to move it there.")
	}
	if st.Problem != "" {
		fmt.Fprintf(w, "\n%s\n", st.Problem)
	}
}

// authLogoutOptions are auth logout's flags.
type authLogoutOptions struct {
	all bool // --all: also remove the profile from the config file
}

// NewCmdAuthLogout builds auth logout; runF, when not nil, replaces the run.
func NewCmdAuthLogout(g *Factory, runF func(context.Context, *authLogoutOptions) error) *cobra.Command {
	o := &authLogoutOptions{}
	c := &cobra.Command{
		Use:   "logout",
		Short: "Remove the profile's secrets from the keychain (and the plaintext file)",
		Long:  "With --all the profile is removed from the config file too. The profile's state (the journal of what setup created) is kept, so teardown still works.",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runAuthLogout(cmd.Context(), g, newAuthDeps(g), o.all)
		},
	}
	c.Flags().BoolVar(&o.all, "all", false, "also remove the profile from the config file")
	return c
}

func runAuthLogout(ctx context.Context, g *Factory, deps authDeps, all bool) error {
	if err := creds.CheckProfileName(g.Profile); err != nil {
		return usageErr("%v", err)
	}
	var cfg *creds.Config
	if all { // read it first: a damaged config stops logout before anything is removed
		var err error
		if cfg, err = g.config(); err != nil {
			return err
		}
	}
	w := authPeople(g)
	noKeychain := false
	for _, item := range []creds.Item{creds.ClientSecret, creds.CIOAppAPIKey, creds.CIOSigningKey} {
		err := deps.secrets.Delete(ctx, g.Profile, item)
		var ke *creds.KeychainError
		switch {
		case errors.As(err, &ke) && ke.Probe.Status == creds.NoKeychain:
			// Nothing can be stored in a keychain that does not exist here; the plaintext copy is gone.
			noKeychain = true
		case errors.As(err, &ke):
			return &ExitError{Code: ExitFailed, Err: fmt.Errorf("could not remove the secrets of profile %q: %s (%s). %s Unlock it and run cioaep auth logout again", g.Profile, ke.Probe.Summary(), ke.Probe.Cause, ke.Probe.Explanation)}
		case err != nil:
			return err
		}
	}
	if noKeychain {
		fmt.Fprintf(w, "Removed any plaintext secrets of profile %q; there is no OS keychain here to clean.\n", g.Profile)
	} else {
		fmt.Fprintf(w, "Removed the secrets of profile %q from the OS keychain.\n", g.Profile)
	}
	if all {
		cfg.Remove(g.Profile)
		if err := cfg.Save(); err != nil {
			return err
		}
		fmt.Fprintf(w, "Removed profile %q from %s.\n", g.Profile, cfg.Path())
	}
	if os.Getenv(creds.EnvClientSecret) != "" {
		fmt.Fprintf(w, "%s is still set in this environment and still applies.\n", creds.EnvClientSecret)
	}
	return nil
}

// authPeople is where messages for people go: stdout on a terminal, else stderr, so that a pipe or
// --json output on stdout carries only results.
func authPeople(g *Factory) io.Writer {
	if !g.JSON && g.IO.IsStdoutTTY() {
		return safetext.Writer(g.IO.Out)
	}
	return safetext.Writer(g.IO.ErrOut)
}

// results is where a report for people goes (status, auth status, a teardown plan): stdout, so
// `cioaep status | less` shows it; with --json stdout carries the JSON alone and text goes to stderr.
// Progress and prompts go to stderr either way.
func results(g *Factory) io.Writer {
	if g.JSON {
		return safetext.Writer(g.IO.ErrOut)
	}
	return safetext.Writer(g.IO.Out)
}

func authJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	_, err = w.Write(append(safetext.JSON(b), '\n'))
	return err
}
