package cmd

import (
	"context"
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow/safetext"
	"github.com/cioaep/cioaep/ui"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdEndpoint(g, nil)) })
}

// endpointOptions are endpoint's flags.
type endpointOptions struct {
	Copy bool
	// copier copies text and says how; nil means ui.Copier on stderr. Tests replace it to watch what is
	// copied without a system clipboard.
	copier func(text string) ui.CopyResult
}

// NewCmdEndpoint builds endpoint; runF, when not nil, replaces the run (see NewCmdSetup).
func NewCmdEndpoint(g *Factory, runF func(context.Context, *endpointOptions) error) *cobra.Command {
	o := &endpointOptions{}
	cmd := &cobra.Command{
		Use:   "endpoint",
		Short: "Print the webhook URL of the profile's dataflow",
		Long: `endpoint prints the webhook URL the profile's last setup created: the address to paste into
Customer.io (Data & Integrations → Integrations → Reporting Webhooks → Webhook Endpoint). The URL alone
goes to stdout, so scripts can capture it.

--copy also puts it on the clipboard: through the terminal (OSC 52, which works over SSH and in tmux)
and the system clipboard, and says which of the two worked.`,
		Example: `  cioaep endpoint
  cioaep endpoint --copy
  cioaep endpoint --json | jq -r .webhookUrl`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runEndpoint(cmd.Context(), g, o)
		},
	}
	cmd.Flags().BoolVar(&o.Copy, "copy", false, "also copy the URL to the clipboard (OSC 52, then the system clipboard)")
	return cmd
}

// endpointJSON is endpoint's --json form.
type endpointJSON struct {
	Profile    string `json:"profile"`
	WebhookURL string `json:"webhookUrl"`
	FlowID     string `json:"flowId"`
	DatasetID  string `json:"datasetId"`
	// Copied is what --copy managed, for people; absent without --copy.
	Copied string `json:"copied,omitempty"`
}

// runEndpoint prints the last setup's webhook URL and copies it when asked. A failed copy is not a failed
// command: the URL is printed either way and the message says how to copy it by hand.
func runEndpoint(_ context.Context, g *Factory, o *endpointOptions) error {
	if err := creds.CheckProfileName(g.Profile); err != nil {
		return usageErr("%v", err)
	}
	res, err := lastSetup(g.paths(), g.Profile)
	if err != nil {
		return err
	}
	out := endpointJSON{Profile: g.Profile, WebhookURL: res.WebhookURL, FlowID: res.FlowID, DatasetID: res.DatasetID}
	if o.Copy {
		copier := o.copier
		if copier == nil {
			// OSC 52 goes to stderr, and only when it is a terminal: stdout may be a pipe into a script,
			// which must receive the URL and nothing else.
			copier = ui.Copier(g.IO.ErrOut, g.IO.IsStderrTTY())
		}
		r := copier(res.WebhookURL)
		out.Copied = r.Message
		fmt.Fprintln(g.IO.ErrOut, r.Message)
	}
	if g.JSON {
		return authJSON(g.IO.Out, out)
	}
	_, err = io.WriteString(g.IO.Out, safetext.Line(res.WebhookURL)+"\n")
	return err
}
