package cmd

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/cioaep/cioaep/assets"
	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"

	"github.com/cioaep/cioaep/ui"
)

// The root command itself (cioaep with no subcommand) is the wizard.
func init() {
	register(func(root *cobra.Command, g *Factory) {
		root.RunE = func(cmd *cobra.Command, _ []string) error { return runWizard(cmd, g) }
	})
}

// runWizard starts the interactive setup: the full-screen wizard on a terminal, plain line prompts with
// --accessible, and without a terminal a usage error that shows the equivalent non-interactive command.
func runWizard(cmd *cobra.Command, g *Factory) error {
	ctx := cmd.Context()
	if !g.Accessible && !g.IO.CanPrompt() {
		return usageErr("%s", (&wizardEnv{g: g}).nonInteractiveHint())
	}
	release, err := lockProfile(g, "cioaep (wizard)")
	if err != nil {
		return err
	}
	defer release()
	w := &wizardEnv{g: g}
	defer w.close()
	// The wizard and the menu leave the webhook URL printed once above where they ran (see ui.RunMenu).
	switch {
	case g.Accessible:
		pr := ui.Prompter{In: g.IO.In, Out: g.IO.Out}
		if f, ok := g.IO.In.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
			pr.ReadSecret = func() (string, error) {
				b, err := term.ReadPassword(int(f.Fd()))
				return string(b), err
			}
		}
		_, err = ui.RunAccessible(ctx, w.deps(), pr)
	default:
		deps := w.deps()
		deps.Copy = ui.Copier(g.IO.Out, true)
		// Plain cioaep on a profile that already has a dataflow (or whose sandbox has one to adopt) opens the
		// reconfiguration menu; cioaep setup always sets up.
		if conn := w.profileConnection(ctx, cmd); conn != nil {
			_, err = ui.RunMenu(ctx, deps, conn.Session, menuOptions(conn, true), g.IO.In, g.IO.Out)
			break
		}
		_, err = ui.Run(ctx, deps, g.IO.In, g.IO.Out)
	}
	if errors.Is(err, ui.ErrQuit) {
		return &ExitError{Code: ExitInterrupted, Err: err}
	}
	return err
}

// profileConnection connects with what the profile has saved, for the menu, or returns nil when the wizard
// should set up: cioaep setup, or a profile with no credentials yet (a first run), which setup asks for.
// Whether a dataflow exists is found out inside the menu, behind a spinner, rather than before anything
// is drawn.
func (w *wizardEnv) profileConnection(ctx context.Context, cmd *cobra.Command) *connection {
	if cmd.HasParent() {
		return nil
	}
	if !w.g.Local {
		cfg, err := w.g.config()
		if err != nil {
			return nil
		}
		if p, ok := cfg.Profile(w.g.Profile); !ok || p.OrgID == "" {
			return nil
		}
	}
	conn, err := w.g.Connect(ctx, overrides{})
	if err != nil {
		return nil // setup's credentials step shows what is wrong, and how to fix it
	}
	w.conns = append(w.conns, conn)
	return conn
}

// menuOptions describe the connection's profile to the reconfiguration menu.
func menuOptions(conn *connection, setupWhenNone bool) ui.MenuOptions {
	o := ui.MenuOptions{Sandbox: conn.Profile.Sandbox, SetupWhenNone: setupWhenNone}
	if conn.Session.Local() {
		o.Platform = ui.Local
	}
	return o
}

// runReconfigureMenu is cioaep reconfigure without --non-interactive: the guided menu on a terminal.
func runReconfigureMenu(ctx context.Context, g *Factory) error {
	if !g.IO.CanPrompt() {
		return usageErr("reconfigure's guided menu needs a terminal: without one, pass --non-interactive with the change (see cioaep reconfigure --help)")
	}
	release, err := lockProfile(g, "cioaep reconfigure (menu)")
	if err != nil {
		return err
	}
	defer release()
	w := &wizardEnv{g: g}
	defer w.close()
	conn, err := g.Connect(ctx, overrides{})
	if err != nil {
		return err
	}
	w.conns = append(w.conns, conn)
	deps := w.deps()
	deps.Copy = ui.Copier(g.IO.Out, true)
	_, err = ui.RunMenu(ctx, deps, conn.Session, menuOptions(conn, false), g.IO.In, g.IO.Out)
	if errors.Is(err, ui.ErrQuit) {
		return &ExitError{Code: ExitInterrupted, Err: err}
	}
	return err
}

// wizardEnv connects the wizard to credentials storage and the Platform through the same Factory.Connect every
// command uses, and remembers the connections it opened so their local platform and trace are closed.
type wizardEnv struct {
	g     *Factory
	conns []*connection
}

func (w *wizardEnv) close() {
	for _, c := range w.conns {
		c.Close()
	}
}

func (w *wizardEnv) last() *connection {
	if len(w.conns) == 0 {
		return nil
	}
	return w.conns[len(w.conns)-1]
}

func (w *wizardEnv) deps() ui.Deps {
	var samples []ui.Sample
	for _, s := range assets.Samples() {
		samples = append(samples, ui.Sample{ObjectType: s.ObjectType, Metric: s.Metric, Body: s.Body})
	}
	return ui.Deps{
		Profile:    w.g.Profile,
		StateDir:   w.g.StateDir(),
		CheckOrgID: creds.NormalizeOrgID,
		Local:      w.g.Local,
		Prefill:    w.prefill,
		Connect:    w.connect,
		Save:       w.save,
		Samples:    samples,
		LoadEvent:  flow.ReadEventFile,
		Actions:    w.actions(),
		// The menu's move page points the Customer.io webhook at the new URL when an App API key is stored.
		MoveWebhook: webhookMover{Paths: w.g.paths(), Profile: w.g.Profile}.move,
	}
}

// prefill reads what the profile knows; a missing config or secret just leaves fields empty.
func (w *wizardEnv) prefill(ctx context.Context, p ui.Platform) (ui.Credentials, error) {
	if p == ui.Local {
		return ui.Credentials{OrgID: flow.LocalOrgID, ClientID: flow.LocalClientID, ClientSecret: flow.LocalClientSecret, Scopes: flow.DefaultScopes}, nil
	}
	paths := w.g.paths()
	cfg, err := creds.LoadConfig(paths.ConfigFile)
	if err != nil {
		return ui.Credentials{Scopes: flow.DefaultScopes}, err
	}
	prof, _ := cfg.Profile(w.g.Profile)
	c := ui.Credentials{OrgID: prof.OrgID, ClientID: prof.ClientID, Scopes: firstOf(prof.Scopes, flow.DefaultScopes)}
	if c.OrgID != "" {
		// Only a profile that has an org id can have a secret worth reading; this spares first-time
		// users a keychain prompt.
		c.ClientSecret, _, _ = creds.NewSecrets(paths).Get(ctx, w.g.Profile, creds.ClientSecret)
	} else {
		c.ClientSecret = os.Getenv(creds.EnvClientSecret)
	}
	return c, nil
}

func (w *wizardEnv) connect(ctx context.Context, p ui.Platform, c ui.Credentials) (ui.Engine, error) {
	g := *w.g
	g.Local = p == ui.Local
	conn, err := g.Connect(ctx, overrides{OrgID: c.OrgID, ClientID: c.ClientID, Scopes: c.Scopes, ClientSecret: c.ClientSecret})
	if err != nil {
		return nil, err
	}
	w.conns = append(w.conns, conn)
	return conn.Session, nil
}

// save writes the profile (never the secret) and, for Adobe, the secret to the keychain. It returns a
// sentence for the user about where the secret went.
func (w *wizardEnv) save(ctx context.Context, p ui.Platform, c ui.Credentials, sandbox string) (string, error) {
	conn := w.last()
	if conn == nil {
		return "", errors.New("no verified connection to save")
	}
	if sandbox != "" {
		conn.Profile.Sandbox = sandbox
	}
	where := ""
	switch {
	case p == ui.Local:
		where = "The local platform needs no secret."
	case c.ClientSecret != "":
		loc, err := creds.NewSecrets(conn.Paths).Set(ctx, conn.Profile.Name, creds.ClientSecret, c.ClientSecret, false)
		if err != nil {
			return "", fmt.Errorf("%w; set %s for each run instead, or run cioaep auth login --insecure-storage", err, creds.EnvClientSecret)
		}
		where = "The client secret is in the " + string(loc) + "."
	}
	return where, conn.saveProfile()
}

// nonInteractiveHint is the usage message without a terminal: the setup command that does the same with
// flags, filled in from the profile where it can be.
func (w *wizardEnv) nonInteractiveHint() string {
	args := []string{"cioaep", "setup", "--non-interactive"}
	if w.g.Local {
		args = append(args, "--local")
	}
	if w.g.Profile != "default" {
		args = append(args, "--profile", w.g.Profile)
	}
	prefix := ""
	if !w.g.Local {
		prof := creds.Profile{}
		if cfg, err := w.g.config(); err == nil {
			prof, _ = cfg.Profile(w.g.Profile)
		}
		args = append(args, "--org-id", firstOf(prof.OrgID, "<ORG_ID>@AdobeOrg"), "--client-id", firstOf(prof.ClientID, "<CLIENT_ID>"),
			"--sandbox", firstOf(prof.Sandbox, "prod"))
		prefix = creds.EnvClientSecret + "=<secret> "
	}
	args = append(args, "--events", "all", "--new-dataset", `"Customer.io events"`, "--new-schema")
	return "the wizard needs a terminal (or --accessible for plain prompts). Without one, run the same setup with flags:\n\n  " +
		prefix + strings.Join(args, " ") + "\n\n--dataset ID streams into an existing dataset instead; cioaep setup --help lists every flag."
}
