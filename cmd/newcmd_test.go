package cmd

import (
	"context"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
)

// capture is a runF that keeps the options it is given instead of running the command.
func capture[T any](got *any) func(context.Context, *T) error {
	return func(_ context.Context, o *T) error {
		*got = o
		return nil
	}
}

// TestNewCmdFlags stops every command before its run: each flag lands in its options, the defaults are
// what the help says, and a flag the command does not have is refused before anything runs. No network,
// keychain or home directory is touched (the Factory's paths are made up).
func TestNewCmdFlags(t *testing.T) {
	t.Parallel()
	type build func(f *Factory, got *any) *cobra.Command
	for _, tc := range []struct {
		name string
		cmd  build
		args []string
		want any
	}{
		{"auth login", func(f *Factory, got *any) *cobra.Command { return NewCmdAuthLogin(f, capture[authLoginOptions](got)) },
			[]string{"--org-id", "0123456789ABCDEF01234567@AdobeOrg", "--client-id", "c", "--scopes", "openid", "--sandbox", "dev", "--client-secret-stdin", "--insecure-storage"},
			&authLoginOptions{orgID: "0123456789ABCDEF01234567@AdobeOrg", clientID: "c", scopes: "openid", sandbox: "dev", secretStdin: true, insecure: true}},
		{"auth status", func(f *Factory, got *any) *cobra.Command { return NewCmdAuthStatus(f, capture[authStatusOptions](got)) },
			nil, &authStatusOptions{}},
		{"auth logout", func(f *Factory, got *any) *cobra.Command { return NewCmdAuthLogout(f, capture[authLogoutOptions](got)) },
			[]string{"--all"}, &authLogoutOptions{all: true}},
		{"doctor", func(f *Factory, got *any) *cobra.Command { return NewCmdDoctor(f, capture[doctorOptions](got)) },
			nil, &doctorOptions{}},
		{"endpoint", func(f *Factory, got *any) *cobra.Command { return NewCmdEndpoint(f, capture[endpointOptions](got)) },
			[]string{"--copy"}, &endpointOptions{Copy: true}},
		{"local serve defaults", func(f *Factory, got *any) *cobra.Command { return NewCmdLocalServe(f, capture[localServeOptions](got)) },
			nil, &localServeOptions{addr: localDefaultAddr, dataDir: "/data/cioaep/local", signingKeyEnv: "CIOAEP_SIGNING_KEY", secretEnv: "CIOAEP_LOCAL_CLIENT_SECRET"}},
		{"local serve", func(f *Factory, got *any) *cobra.Command { return NewCmdLocalServe(f, capture[localServeOptions](got)) },
			[]string{"--addr", "127.0.0.1:0", "--data", "/tmp/p", "--require-signature", "--signing-key-env", "K", "--client-id", "c", "--client-secret-env", "S", "--inlet-rate", "7"},
			&localServeOptions{addr: "127.0.0.1:0", dataDir: "/tmp/p", requireSignature: true, signingKeyEnv: "K", clientID: "c", secretEnv: "S", inletRate: 7}},
		{"local events", func(f *Factory, got *any) *cobra.Command {
			return NewCmdLocalEvents(f, capture[localEventsOptions](got))
		},
			[]string{"--dataset", "ds", "--failed", "--follow"},
			&localEventsOptions{dataDir: "/data/cioaep/local", dataset: "ds", failed: true, follow: true}},
		{"reconfigure", func(f *Factory, got *any) *cobra.Command {
			return NewCmdReconfigure(f, capture[reconfigureOptions](got))
		},
			[]string{"--non-interactive", "--flow", "f1", "--mapping", "m.json", "--events", "email", "--new-dataset", "Two", "--enable", "--yes"},
			&reconfigureOptions{nonInteractive: true, flowID: "f1", mappingFile: "m.json", events: "email", newDataset: "Two", enable: true, yes: true}},
		{"reconfigure retire", func(f *Factory, got *any) *cobra.Command {
			return NewCmdReconfigure(f, capture[reconfigureOptions](got))
		},
			[]string{"--non-interactive", "--retire", "old", "--dataset", "ds", "--disable"},
			&reconfigureOptions{nonInteractive: true, retire: "old", dataset: "ds", disable: true}},
		{"send-test", func(f *Factory, got *any) *cobra.Command { return NewCmdSendTest(f, capture[sendTestOptions](got)) },
			[]string{"--event", "email.sent", "--event", "sms", "--sync", "--data", "/tmp/d", "--wait", "3s"},
			&sendTestOptions{Events: []string{"email.sent", "sms"}, Sync: true, DataDir: "/tmp/d", Wait: 3 * time.Second}},
		{"send-test all", func(f *Factory, got *any) *cobra.Command { return NewCmdSendTest(f, capture[sendTestOptions](got)) },
			[]string{"--all"}, &sendTestOptions{All: true, Wait: defaultRecordWait}},
		{"status", func(f *Factory, got *any) *cobra.Command { return NewCmdStatus(f, capture[statusOptions](got)) },
			[]string{"--timeout", "2m"}, &statusOptions{timeout: 2 * time.Minute}},
		{"status defaults", func(f *Factory, got *any) *cobra.Command { return NewCmdStatus(f, capture[statusOptions](got)) },
			nil, &statusOptions{timeout: statusDefaultTimeout}},
		{"teardown", func(f *Factory, got *any) *cobra.Command { return NewCmdTeardown(f, capture[teardownOptions](got)) },
			[]string{"--yes", "--dry-run", "--include-dataset"}, &teardownOptions{yes: true, dryRun: true, includeDataset: true}},
		{"watch", func(f *Factory, got *any) *cobra.Command { return NewCmdWatch(f, capture[watchOptions](got)) },
			[]string{"--once"}, &watchOptions{Once: true, QuietAfter: flow.DefaultQuietAfter}},
		{"setup", func(f *Factory, got *any) *cobra.Command { return NewCmdSetup(f, capture[setupOptions](got)) },
			[]string{"--non-interactive", "--client-id", "c", "--new-dataset", "D", "--new-schema", "--name", "N"},
			&setupOptions{nonInteractive: true, creds: overrides{ClientID: "c"}, events: "all", newDataset: "D", newSchema: true, name: "N"}},
	} {
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard},
			Paths: creds.Paths{ConfigFile: "/config/cioaep/config.json", StateRoot: "/state/cioaep", DataDir: "/data/cioaep"}}
		var got any
		c := tc.cmd(f, &got)
		c.SetArgs(tc.args)
		c.SetOut(io.Discard)
		c.SetErr(io.Discard)
		if err := c.Execute(); err != nil {
			t.Errorf("%s %v: %v", tc.name, tc.args, err)
			continue
		}
		if want := tc.want; !reflect.DeepEqual(got, want) {
			t.Errorf("%s %v:\n got %+v\nwant %+v", tc.name, tc.args, got, want)
		}

		// A flag the command does not have stops it before the run.
		var ran any
		c = tc.cmd(f, &ran)
		c.SetArgs([]string{"--no-such-flag"})
		c.SetOut(io.Discard)
		c.SetErr(io.Discard)
		if err := c.Execute(); err == nil || ran != nil {
			t.Errorf("%s --no-such-flag: error %v, ran with %+v", tc.name, err, ran)
		}
	}
}

// TestLocalServeListensWhereLocalLooks: CIOAEP_LOCAL_ADDR (the Factory's LocalAddr) moves local serve's
// default address too, so `local serve` and `cioaep --local` meet without --addr.
func TestLocalServeListensWhereLocalLooks(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ localAddr, want string }{{"", localDefaultAddr}, {"127.0.0.1:8899", "127.0.0.1:8899"}} {
		f := &Factory{IO: &IOStreams{In: strings.NewReader(""), Out: io.Discard, ErrOut: io.Discard}, LocalAddr: tc.localAddr,
			Paths: creds.Paths{ConfigFile: "/config/cioaep/config.json", StateRoot: "/state/cioaep", DataDir: "/data/cioaep"}}
		var got any
		c := NewCmdLocalServe(f, capture[localServeOptions](&got))
		c.SetArgs(nil)
		if err := c.Execute(); err != nil {
			t.Fatal(err)
		}
		if addr := got.(*localServeOptions).addr; addr != tc.want {
			t.Errorf("LocalAddr %q: local serve listens on %q, want %q", tc.localAddr, addr, tc.want)
		}
	}
}
