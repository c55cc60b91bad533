package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
)

// overrides are values given on the command line for this run; empty fields fall back to the profile.
type overrides struct {
	OrgID, ClientID, Scopes, Sandbox string
	// ClientSecret came from --client-secret-stdin. Empty: CIOAEP_CLIENT_SECRET, then the keychain.
	ClientSecret string
}

// connection is a connected flow.Session (Adobe or the local platform) with the profile it was built
// from: everything a command needs to talk to the Platform for one profile.
type connection struct {
	Paths   creds.Paths
	Config  *creds.Config
	Profile creds.Profile // the profile with this run's overrides applied (what a successful setup saves)
	// SecretFrom says where the client secret came from: "environment", "keychain", "plaintext file",
	// or "" when it was given on stdin or is the local platform's default.
	SecretFrom creds.Location
	Session    *flow.Session
	// Close stops what connect started (the in-process local platform, the --debug trace file).
	Close func()
}

// Connect builds the connected flow session for g.Profile: profile from the config file, then
// o's overrides, then the environment (CIOAEP_PLATFORM_URL, CIOAEP_IMS_URL win over saved URLs), and the
// client secret from o, CIOAEP_CLIENT_SECRET or the keychain. With --local (or a profile saved against
// the local platform) it makes sure a local platform runs and fills in its default credentials. A
// missing org id, client id or secret is a missingErr naming the flag that supplies it. Every command
// that calls the Platform goes through here, so they all resolve credentials the same way.
func (g *Factory) Connect(ctx context.Context, o overrides) (*connection, error) {
	paths := g.paths()
	if err := creds.CheckProfileName(g.Profile); err != nil {
		return nil, usageErr("%v", err)
	}
	cfg, err := creds.LoadConfig(paths.ConfigFile)
	if err != nil {
		return nil, err
	}
	p, _ := cfg.Profile(g.Profile)
	p.Name = g.Profile
	p.OrgID = firstOf(o.OrgID, p.OrgID)
	p.ClientID = firstOf(o.ClientID, p.ClientID)
	p.Scopes = firstOf(o.Scopes, p.Scopes, flow.DefaultScopes)
	p.Sandbox = firstOf(o.Sandbox, p.Sandbox, "prod")

	conn := &connection{Paths: paths, Config: cfg, Close: func() {}}
	var closers []func()
	conn.Close = func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
	}
	secret := o.ClientSecret
	isLocal := g.UsesLocalPlatform(p)
	envPlatform, envIMS := flow.URLsFromEnv()
	if isLocal {
		// CIOAEP_PLATFORM_URL names a local platform served elsewhere (cioaep local serve --addr …); without
		// it, use the one on the default address or start one in this process.
		base, ims := envPlatform, firstOf(envIMS, envPlatform)
		if base == "" {
			var stop func()
			var err error
			if base, stop, err = flow.LocalPlatform(ctx, g.LocalAddr, g.LocalDataDir()); err != nil {
				return nil, err
			}
			closers = append(closers, stop)
			ims = base // the local platform serves its own IMS
		}
		p.Platform, p.PlatformURL, p.IMSURL = creds.PlatformLocal, base, ims
		p.OrgID = firstOf(p.OrgID, flow.LocalOrgID)
		p.ClientID = firstOf(p.ClientID, flow.LocalClientID)
	} else {
		p.Platform = creds.PlatformAdobe
		p.PlatformURL = firstOf(envPlatform, p.PlatformURL)
		p.IMSURL = firstOf(envIMS, p.IMSURL)
	}
	if p.OrgID == "" {
		conn.Close()
		return nil, missingErr("--org-id")
	}
	if p.ClientID == "" {
		conn.Close()
		return nil, missingErr("--client-id")
	}
	if secret == "" {
		s, loc, err := creds.NewSecrets(paths).Get(ctx, p.Name, creds.ClientSecret)
		if err != nil && isLocal {
			// A local platform started with a required pair takes the stored secret; otherwise its
			// default pair, which is not a secret and is never stored.
			s, err = flow.LocalClientSecret, nil
		}
		if err != nil {
			conn.Close()
			if errors.Is(err, creds.ErrNotStored) {
				return nil, missingErr("the client secret (" + creds.EnvClientSecret + " or --client-secret-stdin)")
			}
			return nil, fmt.Errorf("read the client secret: %w (set %s for this run instead)", err, creds.EnvClientSecret)
		}
		secret, conn.SecretFrom = s, loc
	}
	cred := flow.Credentials{PlatformURL: p.PlatformURL, IMSURL: p.IMSURL, OrgID: p.OrgID, ClientID: p.ClientID,
		ClientSecret: secret, Scopes: p.Scopes, Sandbox: p.Sandbox, Local: isLocal}
	stateDir := paths.StateDir(p.Name)
	if g.Debug {
		w, err := openDebugTrace(stateDir)
		if err != nil {
			conn.Close()
			return nil, err
		}
		closers = append(closers, func() { w.Close() })
		cred.Trace = w
		fmt.Fprintf(g.IO.ErrOut, "Writing an HTTP trace (secrets redacted) to %s\n", w.Name())
	}
	conn.Profile = p
	conn.Session = flow.Open(cred, stateDir)
	return conn, nil
}

// saveProfile records the connection's profile (never the secret) so later commands need no flags.
// Adobe's default URLs are not written, so a profile keeps following them.
func (c *connection) saveProfile() error {
	p := c.Profile
	if p.Platform == creds.PlatformLocal {
		p.PlatformURL, p.IMSURL = "", "" // the local platform's address is found afresh on each run
	}
	if p.PlatformURL == flow.DefaultPlatformURL {
		p.PlatformURL = ""
	}
	if p.IMSURL == flow.DefaultIMSURL {
		p.IMSURL = ""
	}
	// The Customer.io region is written by the done screen's w action while this connection is open
	// (config loaded earlier): keep it rather than clobber it with the stale copy.
	if p.CIORegion == "" {
		if disk, err := creds.LoadConfig(c.Config.Path()); err == nil {
			if dp, ok := disk.Profile(p.Name); ok {
				p.CIORegion = dp.CIORegion
			}
		}
	}
	c.Config.Put(p)
	if err := c.Config.Save(); err != nil {
		return fmt.Errorf("save profile %q: %w", p.Name, err)
	}
	return nil
}

// openDebugTrace creates the --debug trace file in the profile's state directory, private to the user.
func openDebugTrace(stateDir string) (*os.File, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", stateDir, err)
	}
	name := filepath.Join(stateDir, "debug-"+time.Now().UTC().Format("20060102T150405Z")+".log")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open the debug trace: %w", err)
	}
	return f, nil
}

// firstOf returns the first non-empty value.
func firstOf(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// readClientSecretStdin reads a secret piped on stdin (--client-secret-stdin): the first line, trimmed.
func readClientSecretStdin(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 64<<10))
	if err != nil {
		return "", fmt.Errorf("read the client secret from stdin: %w", err)
	}
	s := string(b)
	for i, c := range s {
		if c == '\n' || c == '\r' {
			s = s[:i]
			break
		}
	}
	if s == "" {
		return "", errors.New("--client-secret-stdin: stdin was empty; pipe the secret in, e.g. from a secret manager")
	}
	return s, nil
}
