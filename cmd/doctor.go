package cmd

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"

	"github.com/cioaep/cioaep/flow/safetext"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdDoctor(g, nil)) })
}

// The checks doctor runs, in this order: each later one needs what the earlier ones establish, so a
// failure early on explains the later ones that cannot run.
const (
	doctorCheckKeychain = "keychain"
	doctorCheckProfile  = "profile"
	doctorCheckToken    = "token"
	doctorCheckSandbox  = "sandbox"
	doctorCheckFlow     = "flow"
	doctorCheckEndpoint = "endpoint"
)

// doctorCallTimeout bounds each network check. The client retries within it; a doctor that waits
// minutes on an unreachable host would be one more thing to diagnose.
const doctorCallTimeout = 30 * time.Second

// doctorEndpointTimeout bounds the single request to the webhook URL. Adobe's inlet answers in well
// under a second; ten seconds tells a dropped connection (a firewall) from a slow one.
const doctorEndpointTimeout = 10 * time.Second

// doctorCheck is one line of doctor's report and one element of its --json list.
type doctorCheck struct {
	Check   string `json:"check"`
	OK      bool   `json:"ok"`
	Skipped bool   `json:"skipped,omitempty"` // not run because an earlier check failed; OK is false
	Detail  string `json:"detail,omitempty"`  // what was found, for passing checks too
	Problem string `json:"problem,omitempty"`
	Fix     string `json:"fix,omitempty"`
}

// doctorDeps is what doctor reaches outside the process for. Tests put a fake keychain behind secrets
// and their own HTTP client behind endpoint; the Platform side goes through Factory.Connect (client.go), which
// tests redirect with CIOAEP_PLATFORM_URL and CIOAEP_IMS_URL.
type doctorDeps struct {
	secrets  *creds.Secrets
	endpoint *http.Client // for the webhook URL: no credentials, no redirects followed
}

func newDoctorDeps(g *Factory) doctorDeps {
	return doctorDeps{secrets: g.Secrets(), endpoint: doctorHTTPClient()}
}

// doctorHTTPClient reports a redirect as the answer instead of following it: any HTTP answer from the
// inlet's host already proves it is reachable, and following one could lead somewhere that is not.
func doctorHTTPClient() *http.Client {
	return &http.Client{
		Timeout:       doctorEndpointTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// doctorOptions are doctor's flags: none beyond the global ones (--profile, --local, --json).
type doctorOptions struct{}

// NewCmdDoctor builds doctor; runF, when not nil, replaces the run (see NewCmdSetup).
func NewCmdDoctor(g *Factory, runF func(context.Context, *doctorOptions) error) *cobra.Command {
	o := &doctorOptions{}
	return &cobra.Command{
		Use:   "doctor",
		Short: "Check the keychain, profile, token, sandbox access, dataflow and endpoint, and say how to fix each problem",
		Long: `Runs every check in order and prints ✓ or ✗ for each, with a fix for each problem:
  keychain   the OS keychain answers (or the secret comes from somewhere else)
  profile    the profile exists and its values are well-formed
  token      IMS issues an access token for the client id and secret
  sandbox    the credential may read the profile's sandbox (a Schema Registry read that answers 403 without access)
  flow       the dataflow of the last setup still exists, is enabled and has its endpoint
  endpoint   the webhook URL answers (a GET, which Adobe's inlet never ingests, so no data is created)
Exits 1 when any check finds a problem. With --json, prints a list of {check, ok, problem, fix}.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runDoctor(cmd.Context(), g, newDoctorDeps(g))
		},
	}
}

// doctorRun carries what one check learns to the next.
type doctorRun struct {
	g       *Factory
	deps    doctorDeps
	paths   creds.Paths
	checks  []doctorCheck
	profile creds.Profile
	// profileOK: the profile exists (or --local supplies one) and its values are usable.
	profileOK bool
	local     bool // the profile talks to the embedded local platform
	// secret is the client secret to use ("" with the local platform's default); secretOK says whether
	// one was found, and secretFrom where.
	secret     string
	secretOK   bool
	secretFrom creds.Location
	secretErr  error // why no secret was found, when the keychain check could not say it
	conn       *connection
	tokenOK    bool
	sandboxOK  bool
	result     flow.Result
	hasResult  bool
}

func runDoctor(ctx context.Context, g *Factory, deps doctorDeps) error {
	if err := creds.CheckProfileName(g.Profile); err != nil {
		return usageErr("%v", err)
	}
	d := &doctorRun{g: g, deps: deps, paths: g.paths(), local: g.Local}
	defer func() {
		if d.conn != nil {
			d.conn.Close()
		}
	}()
	// The profile is read first (it says whether the platform is local, which decides whether the
	// keychain matters), but reported second, in the order a user sets things up.
	profile := d.checkProfile()
	keychain := d.checkKeychain(ctx)
	d.add(keychain)
	d.add(profile)
	if ctx.Err() == nil {
		d.add(d.checkToken(ctx))
	}
	if ctx.Err() == nil {
		d.add(d.checkSandbox(ctx))
	}
	if ctx.Err() == nil {
		d.add(d.checkFlow(ctx))
	}
	if ctx.Err() == nil {
		d.add(d.checkEndpoint(ctx))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	return d.report()
}

// add records a check with every string made safe for a terminal: problems quote errors, and errors
// quote what servers said.
func (d *doctorRun) add(c doctorCheck) {
	c.Detail, c.Problem, c.Fix = safetext.Line(c.Detail), safetext.Line(c.Problem), safetext.Line(c.Fix)
	d.checks = append(d.checks, c)
}

func doctorSkipped(name, why string) doctorCheck {
	return doctorCheck{Check: name, Skipped: true, Detail: "not checked: " + why}
}

func doctorFailed(name, problem, fix string) doctorCheck {
	return doctorCheck{Check: name, Problem: problem, Fix: fix}
}

func doctorPassed(name, detail string) doctorCheck {
	return doctorCheck{Check: name, OK: true, Detail: detail}
}

// cmdLine is a cioaep command line for this profile, for fixes to quote: the user can paste it as is.
func (d *doctorRun) cmdLine(sub, extra string) string {
	s := "cioaep " + sub
	if d.g.Profile != "default" {
		s += " --profile " + d.g.Profile
	}
	if extra != "" {
		s += " " + extra
	}
	return s
}

// loginCmd is the auth login command line for this profile.
func (d *doctorRun) loginCmd(extra string) string { return d.cmdLine("auth login", extra) }

// checkProfile reads the config file and checks the profile's values the way auth login does.
func (d *doctorRun) checkProfile() doctorCheck {
	cfg, err := creds.LoadConfig(d.paths.ConfigFile)
	if err != nil {
		return doctorFailed(doctorCheckProfile, err.Error(), fmt.Sprintf("Repair %s or move it away, then run %s.", d.paths.ConfigFile, d.loginCmd("")))
	}
	p, found := cfg.Profile(d.g.Profile)
	p.Name = d.g.Profile
	d.profile = p
	d.local = d.g.UsesLocalPlatform(p)
	if !found {
		if d.g.Local {
			d.profileOK = true
			return doctorPassed(doctorCheckProfile, fmt.Sprintf("profile %q is not saved; --local uses the local platform's defaults", p.Name))
		}
		fix := "Run " + d.loginCmd("") + " with the credential from Developer Console (or add --local to practise on the local platform)."
		if names := cfg.Names(); len(names) > 0 {
			fix += " Saved profiles: " + strings.Join(names, ", ") + " (choose one with --profile)."
		}
		return doctorFailed(doctorCheckProfile, fmt.Sprintf("profile %q is not in %s", p.Name, d.paths.ConfigFile), fix)
	}
	var problems, flags []string
	bad := func(flag string, err error) {
		problems = append(problems, err.Error())
		flags = append(flags, flag)
	}
	// A local profile may leave org and client id empty: connect fills in the local platform's.
	if !(d.local && p.OrgID == "") {
		if _, err := creds.NormalizeOrgID(p.OrgID); err != nil {
			bad("--org-id", err)
		}
	}
	if !(d.local && p.ClientID == "") {
		if _, err := creds.NormalizeClientID(p.ClientID); err != nil {
			bad("--client-id", err)
		}
	}
	if p.Scopes != "" {
		if _, err := creds.NormalizeScopes(p.Scopes); err != nil {
			bad("--scopes", err)
		}
	}
	if p.Sandbox != "" && (strings.ContainsFunc(p.Sandbox, func(r rune) bool { return r <= ' ' || r == '/' || r >= 0x7f })) {
		bad("--sandbox", fmt.Errorf("the sandbox name %q cannot be a sandbox name (it has spaces or other characters sandbox names do not use)", p.Sandbox))
	}
	switch p.Platform {
	case "", creds.PlatformAdobe, creds.PlatformLocal:
	default:
		problems = append(problems, fmt.Sprintf("the platform %q is neither %q nor %q", p.Platform, creds.PlatformAdobe, creds.PlatformLocal))
	}
	for _, u := range []struct{ name, value string }{{"platformUrl", p.PlatformURL}, {"imsUrl", p.IMSURL}} {
		if u.value == "" {
			continue
		}
		if pu, err := url.Parse(u.value); err != nil || (pu.Scheme != "https" && pu.Scheme != "http") || pu.Host == "" {
			problems = append(problems, fmt.Sprintf("%s %q is not an http(s) URL", u.name, u.value))
		}
	}
	if len(problems) > 0 {
		return doctorFailed(doctorCheckProfile, fmt.Sprintf("profile %q in %s: %s", p.Name, d.paths.ConfigFile, strings.Join(problems, "; ")),
			"Run "+d.loginCmd(strings.Join(flags, " … ")+" …")+" to save corrected values.")
	}
	d.profileOK = true
	where := "Adobe"
	if d.local {
		where = "the local platform"
	} else if u := firstOf(os.Getenv(flow.EnvPlatformURL), p.PlatformURL); u != "" && u != flow.DefaultPlatformURL {
		where = u
	}
	return doctorPassed(doctorCheckProfile, fmt.Sprintf("profile %q: org %s, sandbox %s, on %s", p.Name, firstOf(p.OrgID, "(local default)"), firstOf(p.Sandbox, "prod"), where))
}

// checkKeychain probes the keychain and reads the client secret. An unusable keychain is a problem only
// when the secret has to come from it: CIOAEP_CLIENT_SECRET and the local platform need none.
func (d *doctorRun) checkKeychain(ctx context.Context) doctorCheck {
	probe := d.deps.secrets.Probe(ctx)
	if ctx.Err() != nil {
		return doctorSkipped(doctorCheckKeychain, "interrupted")
	}
	secret, loc, err := d.deps.secrets.Get(ctx, d.g.Profile, creds.ClientSecret)
	var ke *creds.KeychainError
	switch {
	case err == nil:
		d.secret, d.secretOK, d.secretFrom = secret, true, loc
	case d.local && (errors.Is(err, creds.ErrNotStored) || errors.As(err, &ke)):
		d.secretOK = true // connect uses the local platform's default secret
	default:
		d.secretErr = err
	}
	noKeychain := fmt.Sprintf("%s (%s)", probe.Summary(), probe.Cause)
	// The explanation usually repeats the cause; say the cause only when it adds something.
	why := probe.Explanation
	if !strings.Contains(why, probe.Cause) {
		why = strings.TrimSuffix(why, ".") + " (" + probe.Cause + ")."
	}
	switch {
	case probe.Status == creds.Usable && loc == creds.LocationPlaintext:
		return doctorFailed(doctorCheckKeychain, "the OS keychain works, but the client secret is still in the plaintext file "+d.deps.secrets.PlaintextPath(),
			"Run "+d.loginCmd("")+" to move the secret into the keychain; it removes the plaintext copy.")
	case probe.Status == creds.Usable:
		return doctorPassed(doctorCheckKeychain, "the OS keychain answers")
	case d.secretOK && loc == creds.LocationEnvironment:
		return doctorPassed(doctorCheckKeychain, noKeychain+", but the client secret comes from "+creds.EnvClientSecret)
	case d.secretOK && d.local:
		return doctorPassed(doctorCheckKeychain, noKeychain+", but the local platform needs no stored secret")
	case loc == creds.LocationPlaintext:
		return doctorFailed(doctorCheckKeychain, "the client secret is stored unencrypted in "+d.deps.secrets.PlaintextPath()+": "+why,
			"Set "+creds.EnvClientSecret+" for each run and run "+d.cmdLine("auth logout", "")+" to remove the file, or make a keychain available here and run "+d.loginCmd("")+" again.")
	}
	fix := "Set " + creds.EnvClientSecret + " for each run (it is never stored), or run " + d.loginCmd("--insecure-storage") +
		" to keep the secret in a plaintext file (mode 0600)."
	if probe.Unlockable() {
		fix = "Unlock the keychain (log in to the desktop session once, or run gnome-keyring-daemon --unlock), or " + strings.ToLower(fix[:1]) + fix[1:]
	}
	return doctorFailed(doctorCheckKeychain, why, fix)
}

// checkToken asks IMS for an access token through the same builder every command uses.
func (d *doctorRun) checkToken(ctx context.Context) doctorCheck {
	switch {
	case !d.profileOK:
		return doctorSkipped(doctorCheckToken, "needs a usable profile")
	case !d.secretOK:
		var ke *creds.KeychainError
		if errors.As(d.secretErr, &ke) {
			return doctorSkipped(doctorCheckToken, "the client secret cannot be read from the keychain")
		}
		if errors.Is(d.secretErr, creds.ErrNotStored) {
			return doctorFailed(doctorCheckToken, fmt.Sprintf("no client secret is stored for profile %q", d.g.Profile),
				"Run "+d.loginCmd("--client-secret-stdin")+" with the secret from Developer Console, or set "+creds.EnvClientSecret+".")
		}
		return doctorFailed(doctorCheckToken, "cannot read the client secret: "+doctorErrString(d.secretErr), "Set "+creds.EnvClientSecret+" for this run, or run "+d.loginCmd("")+" again.")
	}
	conn, err := d.g.Connect(ctx, overrides{ClientSecret: d.secret})
	if err != nil {
		return doctorFailed(doctorCheckToken, "cannot build a client for the profile: "+doctorErrString(err), "Run "+d.loginCmd("")+" again.")
	}
	d.conn = conn
	tctx, cancel := context.WithTimeout(ctx, doctorCallTimeout)
	defer cancel()
	if err := conn.Session.CheckToken(tctx); err != nil {
		return doctorFailed(doctorCheckToken, "IMS did not issue a token: "+doctorErrString(err), d.tokenFix(err))
	}
	d.tokenOK = true
	from := ""
	switch d.secretFrom {
	case creds.LocationEnvironment:
		from = " (secret from " + creds.EnvClientSecret + ")"
	case creds.LocationKeychain:
		from = " (secret from the OS keychain)"
	case creds.LocationPlaintext:
		from = " (secret from the plaintext file)"
	}
	return doctorPassed(doctorCheckToken, "IMS issued an access token for client id "+conn.Profile.ClientID+from)
}

// tokenFix says what to do about a token IMS refused, naming where the wrong secret came from.
func (d *doctorRun) tokenFix(err error) string {
	if flow.IsRejectedCredential(err) {
		if d.secretFrom == creds.LocationEnvironment {
			return "IMS rejected the client id and secret: " + creds.EnvClientSecret + " holds a secret that does not match client id " +
				d.profile.ClientID + ". Copy the current secret from Developer Console (credential page → Retrieve client secret) into it, or unset it to use the stored one."
		}
		return "IMS rejected the client id and secret (the secret may have been rotated in Developer Console). Copy the current secret from the credential page " +
			"(Retrieve client secret) and run " + d.loginCmd("") + " to store it."
	}
	if h := flow.Hint(err); h != "" {
		return h
	}
	return "Check the network connection and CIOAEP_IMS_URL if you set it, then run cioaep doctor again."
}

// checkSandbox reads the Schema Registry's stats in the profile's sandbox: a cheap, read-only call that
// every credential with any access to the sandbox may make, and that the gateway or the registry answer
// with 403 when the credential has none. (The sandbox list cannot tell: every credential may read it.)
func (d *doctorRun) checkSandbox(ctx context.Context) doctorCheck {
	if !d.tokenOK {
		return doctorSkipped(doctorCheckSandbox, "needs a token")
	}
	c := d.conn.Session
	sctx, cancel := context.WithTimeout(ctx, doctorCallTimeout)
	defer cancel()
	tenant, err := c.TenantID(sctx)
	if err == nil {
		d.sandboxOK = true
		return doctorPassed(doctorCheckSandbox, fmt.Sprintf("the credential may read sandbox %q (tenant %s)", c.Sandbox(), tenant))
	}
	if !flow.IsAPIStatus(err, http.StatusForbidden) {
		fix := flow.Hint(err)
		if fix == "" {
			fix = "Run cioaep doctor again; if it persists, run with --debug and report the request id to Adobe support."
		}
		return doctorFailed(doctorCheckSandbox, fmt.Sprintf("could not read sandbox %q: %s", c.Sandbox(), doctorErrString(err)), fix)
	}
	problem := fmt.Sprintf("the credential has no access to sandbox %q: %s", c.Sandbox(), doctorErrString(err))
	fix := "In Experience Platform → Permissions → Roles, add this API credential to a role that includes sandbox " +
		fmt.Sprintf("%q and the Schemas, Datasets and Sources permissions", c.Sandbox())
	// The sandbox list is readable without any role: offer the names this credential can use instead.
	var usable []string
	if sbs, lerr := d.conn.Session.Sandboxes(sctx); lerr == nil {
		for _, sb := range sbs {
			if sb.Name != c.Sandbox() {
				usable = append(usable, sb.Name)
			}
		}
	}
	if len(usable) > 0 {
		fix += "; or, if the name is wrong, switch the profile to a sandbox it can use (" + strings.Join(usable, ", ") + ") with " + d.loginCmd("--sandbox <name>")
	}
	return doctorFailed(doctorCheckSandbox, problem, fix+".")
}

// checkFlow reads the last setup's result and asks Flow Service how that dataflow is now.
func (d *doctorRun) checkFlow(ctx context.Context) doctorCheck {
	stateDir := d.paths.StateDir(d.g.Profile)
	res, ok, err := flow.LoadResult(stateDir)
	if err != nil {
		return doctorFailed(doctorCheckFlow, doctorErrString(err), "Run "+d.cmdLine("setup", "")+" again: it finds what exists and rewrites the result.")
	}
	if !ok {
		return doctorFailed(doctorCheckFlow, fmt.Sprintf("no dataflow has been set up for profile %q yet", d.g.Profile),
			"Run "+d.cmdLine("setup", "")+" to create the dataflow and get the webhook URL for Customer.io.")
	}
	d.result, d.hasResult = res, true
	if !d.sandboxOK {
		return doctorSkipped(doctorCheckFlow, "needs access to the sandbox")
	}
	// The flow lives in the sandbox it was set up in, which the journal records; the profile's sandbox
	// may have changed since.
	sandbox := d.conn.Session.Sandbox()
	if j, err := flow.OpenJournal(stateDir); err == nil && j.Sandbox != "" {
		sandbox = j.Sandbox
	}
	fctx, cancel := context.WithTimeout(ctx, doctorCallTimeout)
	defer cancel()
	state, inlet, err := d.conn.Session.FlowState(fctx, sandbox, res.FlowID)
	switch {
	case errors.Is(err, flow.ErrNotFound):
		return doctorFailed(doctorCheckFlow, fmt.Sprintf("the dataflow %s of the last setup no longer exists in sandbox %q (it was deleted, perhaps in Experience Platform)", res.FlowID, sandbox),
			"Run "+d.cmdLine("setup", "")+" again: it recreates what is missing. Then paste the new webhook URL ("+d.cmdLine("endpoint", "")+") into Customer.io.")
	case err != nil:
		fix := flow.Hint(err)
		if fix == "" {
			fix = "Run cioaep doctor again; if it persists, run with --debug and report the request id to Adobe support."
		}
		return doctorFailed(doctorCheckFlow, fmt.Sprintf("could not read the dataflow %s: %s", res.FlowID, doctorErrString(err)), fix)
	case !strings.EqualFold(state, "enabled"):
		return doctorFailed(doctorCheckFlow, fmt.Sprintf("the dataflow %s in sandbox %q is %s: Adobe's inlet refuses the events Customer.io sends to it", res.FlowID, sandbox, firstOf(state, "not enabled")),
			"Enable it: "+d.cmdLine("reconfigure", "--non-interactive --enable --flow "+res.FlowID)+", or in Experience Platform → Sources → Dataflows → select the dataflow → Enable dataflow.")
	case inlet == "":
		return doctorFailed(doctorCheckFlow, fmt.Sprintf("the dataflow %s has no streaming endpoint yet", res.FlowID),
			"Adobe provisions it shortly after creation: wait a minute and run cioaep doctor again. If it stays empty, run "+d.cmdLine("setup", "")+" again.")
	case res.InletURL != "" && inlet != res.InletURL:
		return doctorFailed(doctorCheckFlow, fmt.Sprintf("the dataflow's endpoint is now %s, but the saved webhook URL uses %s", inlet, res.InletURL),
			"Run "+d.cmdLine("setup", "")+" again to save the current URL, then paste the output of "+d.cmdLine("endpoint", "")+" into the Customer.io webhook.")
	}
	return doctorPassed(doctorCheckFlow, fmt.Sprintf("dataflow %s in sandbox %q is enabled", res.FlowID, sandbox))
}

// checkEndpoint asks whether the webhook URL answers, with a GET.
//
// Why a GET: Adobe's streaming inlet ingests only POSTed bodies, so a GET can never create a record, not
// even a failed one in the dataset's error diagnostics (a POST of "{}" would be accepted asynchronously and
// then fail mapping, leaving a failed record behind). Any HTTP answer to the GET — Adobe's is a quick 4xx —
// proves that DNS resolves the host, that TLS verifies and that a route exists to the inlet; whether the
// inlet id itself is live is what the flow check asks Flow Service. No credentials are sent: Customer.io
// sends none either.
func (d *doctorRun) checkEndpoint(ctx context.Context) doctorCheck {
	if !d.hasResult {
		return doctorSkipped(doctorCheckEndpoint, "no webhook URL has been saved by a setup yet")
	}
	target := firstOf(d.result.WebhookURL, d.result.InletURL)
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return doctorFailed(doctorCheckEndpoint, fmt.Sprintf("the saved webhook URL %q is not an http(s) URL", target), "Run "+d.cmdLine("setup", "")+" again to save the URL Adobe gives.")
	}
	limit := doctorEndpointTimeout
	if t := d.deps.endpoint.Timeout; t > 0 {
		limit = t
	}
	ectx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	req, err := http.NewRequestWithContext(ectx, http.MethodGet, target, nil)
	if err != nil {
		return doctorFailed(doctorCheckEndpoint, doctorErrString(err), "Run "+d.cmdLine("setup", "")+" again to save the URL Adobe gives.")
	}
	req.Header.Set("User-Agent", "cioaep-doctor")
	res, err := d.deps.endpoint.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return doctorSkipped(doctorCheckEndpoint, "interrupted")
		}
		problem, fix := doctorUnreachable(u, err, limit)
		return doctorFailed(doctorCheckEndpoint, problem, fix)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode >= 500 {
		return doctorFailed(doctorCheckEndpoint, fmt.Sprintf("%s answers, but with %d %s: the endpoint is failing", u.Host, res.StatusCode, http.StatusText(res.StatusCode)),
			"This is on Adobe's side: retry later and check status.adobe.com; events Customer.io sends meanwhile may be lost.")
	}
	return doctorPassed(doctorCheckEndpoint, fmt.Sprintf("%s answers (HTTP %d to a GET, which sends no event)", u.Host, res.StatusCode))
}

// doctorUnreachable says why a URL did not answer and what to do, for the failures people meet:
// a name that does not resolve, nothing listening, a certificate a proxy replaced, no answer at all.
func doctorUnreachable(u *url.URL, err error, limit time.Duration) (problem, fix string) {
	host := u.Hostname()
	loopback := host == "localhost"
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	switch {
	case errors.As(err, &dns):
		return fmt.Sprintf("the webhook host %s cannot be resolved (%s)", host, dns.Err),
			"Check this machine's DNS and network. If the URL was edited by hand, run cioaep setup again to save the one Adobe gives."
	case errors.Is(err, syscall.ECONNREFUSED) && loopback:
		return fmt.Sprintf("nothing is listening at %s: the local platform that serves this endpoint is not running", u.Host),
			"Start it with cioaep local serve (on the same address), or run cioaep --local setup again to get a current endpoint."
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("%s refused the connection: nothing is listening at the webhook URL's address", u.Host),
			"Check that a firewall or proxy lets HTTPS through to " + host + ", and that the URL is the one cioaep endpoint prints."
	case errors.As(err, &cert):
		return fmt.Sprintf("the certificate of %s could not be verified", host),
			"If a company proxy inspects TLS, add its certificate authority to the system's trust store."
	case errors.Is(err, context.DeadlineExceeded) || doctorIsTimeout(err):
		return fmt.Sprintf("%s did not answer within %s", u.Host, limit),
			"A firewall may be dropping traffic to " + host + ": check the network and any proxy (HTTPS_PROXY), then retry."
	}
	return fmt.Sprintf("the webhook URL could not be reached: %s", doctorErrString(err)),
		"Check the network connection and any proxy (HTTPS_PROXY), then run cioaep doctor again."
}

func doctorIsTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// doctorErrString is an error's message on one line.
func doctorErrString(err error) string {
	if err == nil {
		return ""
	}
	return strings.Join(strings.Fields(err.Error()), " ")
}

// report prints the checks and exits 1 when any found a problem.
func (d *doctorRun) report() error {
	problems := 0
	for _, c := range d.checks {
		if !c.OK && !c.Skipped {
			problems++
		}
	}
	if d.g.JSON {
		enc := json.NewEncoder(d.g.IO.Out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false) // fixes quote command lines like --sandbox <name>
		if err := enc.Encode(d.checks); err != nil {
			return err
		}
	} else {
		w := d.g.IO.Out
		for _, c := range d.checks {
			mark, text := "✓", c.Detail
			switch {
			case c.Skipped:
				mark = "–"
			case !c.OK:
				mark, text = "✗", c.Problem
			}
			fmt.Fprintf(w, "%s %-9s %s\n", mark, c.Check, text)
			if !c.OK && c.Fix != "" {
				fmt.Fprintf(w, "  %-9s fix: %s\n", "", c.Fix)
			}
		}
		switch problems {
		case 0:
			fmt.Fprintln(w, "\nNo problems found.")
		case 1:
			fmt.Fprintln(w, "\n1 problem found.")
		default:
			fmt.Fprintf(w, "\n%d problems found.\n", problems)
		}
	}
	if problems > 0 {
		return silentErr(ExitFailed)
	}
	return nil
}
