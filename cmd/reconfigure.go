package cmd

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/dataprep"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdReconfigure(g, nil)) })
}

// reconfigureOptions are reconfigure's flags: one per change the guided menu offers.
type reconfigureOptions struct {
	nonInteractive bool
	flowID         string
	mappingFile    string
	events         string
	dataset        string
	newDataset     string
	enable         bool
	disable        bool
	retire         string
	yes            bool

	// secrets and appAPI replace the OS keychain and the App API's HTTP client (tests).
	secrets *creds.Secrets
	appAPI  *http.Client
}

// NewCmdReconfigure builds reconfigure; runF, when not nil, replaces the run (see NewCmdSetup).
func NewCmdReconfigure(g *Factory, runF func(context.Context, *reconfigureOptions) error) *cobra.Command {
	o := &reconfigureOptions{}
	cmd := &cobra.Command{
		Use:   "reconfigure",
		Short: "Change the profile's Customer.io dataflow: mapping, event types, dataset, on/off",
		Long: `reconfigure changes an existing Customer.io dataflow. It finds the dataflow without the journal
too (set up on another machine): through the Customer.io source in the profile's sandbox, and adopts it
into this profile. With several there, --flow picks one.

  --mapping FILE            new Data Prep rules (a JSON array): the diff is shown, the mapping set gets a
                            new version and the dataflow is pointed at it; a change someone else made to
                            the dataflow meanwhile is detected and kept
  --events LIST             the Customer.io object types to send (email,sms,… or all): recorded, with the
                            webhook events to tick in Customer.io; Adobe needs no change
  --dataset ID | --new-dataset NAME
                            move to another dataset: a new dataflow and endpoint, as Adobe advises; with
                            --yes the old dataflow is deleted at once, otherwise it keeps running until
                            --retire OLD_FLOW_ID --yes (after Customer.io posts to the new endpoint)
                            (with --mapping, the rules for the new dataset's schema). When the profile
                            stores a Customer.io App API key (the wizard's "create the webhook"), the
                            reporting webhook that posted to the old endpoint is pointed at the new one,
                            same events; if that fails the old dataflow is kept, even with --yes
  --enable | --disable      start or pause ingestion

Changes run in that order. With no change flag reconfigure only finds (and if need be adopts) the
dataflow. The webhook URL is printed on stdout at the end.`,
		Example: `  cioaep reconfigure --non-interactive --mapping mapping.json
  cioaep reconfigure --non-interactive --events email,sms --disable
  cioaep reconfigure --non-interactive --new-dataset "Customer.io events 2027" --yes`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			if !o.nonInteractive {
				if o.flowID != "" || o.mappingFile != "" || o.events != "" || o.dataset != "" || o.newDataset != "" ||
					o.enable || o.disable || o.retire != "" || o.yes {
					return usageErr("change flags take effect with --non-interactive; without it reconfigure opens the guided menu, which asks instead")
				}
				return runReconfigureMenu(cmd.Context(), g)
			}
			return runReconfigure(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.nonInteractive, "non-interactive", false, "take every change from flags; never prompt")
	f.StringVar(&o.flowID, "flow", "", "the dataflow `id` to change when the sandbox has several")
	f.StringVar(&o.mappingFile, "mapping", "", "new Data Prep mapping `file` (JSON array)")
	f.StringVar(&o.events, "events", "", "Customer.io object `types` to send (email,sms,…) or all")
	f.StringVar(&o.dataset, "dataset", "", "move to this existing dataset `id`")
	f.StringVar(&o.newDataset, "new-dataset", "", "move to a new dataset with this `name`, on the dataflow's schema")
	f.BoolVar(&o.enable, "enable", false, "enable the dataflow")
	f.BoolVar(&o.disable, "disable", false, "disable the dataflow (its endpoint refuses events)")
	f.StringVar(&o.retire, "retire", "", "delete the earlier dataflow `id` a move replaced (with --yes)")
	f.BoolVar(&o.yes, "yes", false, "confirm deletions: retire the old dataflow after a move")
	return cmd
}

// reconfigureChanges is what the flags ask for, parsed and checked before any call.
type reconfigureChanges struct {
	events []string
	rules  []dataprep.Rule
	move   *flow.MoveTo
	enable *bool
}

func (o *reconfigureOptions) changes() (reconfigureChanges, error) {
	var ch reconfigureChanges
	switch {
	case o.dataset != "" && o.newDataset != "":
		return ch, usageErr("--dataset and --new-dataset exclude each other: move to an existing dataset or a new one")
	case o.enable && o.disable:
		return ch, usageErr("--enable and --disable exclude each other")
	case o.retire != "" && (o.mappingFile != "" || o.events != "" || o.dataset != "" || o.newDataset != "" || o.enable || o.disable):
		return ch, usageErr("--retire runs alone: retire the old dataflow, then make other changes")
	case o.retire != "" && !o.yes:
		return ch, missingErr("--yes (--retire deletes dataflow " + o.retire + ")")
	}
	if o.events != "" {
		events, err := flow.ParseEvents(o.events)
		if err != nil {
			return ch, usageErr("--events: %v", err)
		}
		ch.events = events
	}
	if o.mappingFile != "" {
		var err error
		if ch.rules, err = dataprep.ReadRules(o.mappingFile); err != nil {
			return ch, usageErr("--mapping %s: %v", o.mappingFile, err)
		}
	}
	if o.dataset != "" || o.newDataset != "" {
		ch.move = &flow.MoveTo{DatasetID: o.dataset, NewDatasetName: o.newDataset, Mapping: ch.rules}
	}
	if o.enable || o.disable {
		ch.enable = &o.enable
	}
	return ch, nil
}

// reconfigureJSON is reconfigure's --json output.
type reconfigureJSON struct {
	Profile    string              `json:"profile"`
	Adopted    bool                `json:"adopted"` // the dataflow was found in the sandbox and taken into this profile
	FlowID     string              `json:"flowId"`
	State      string              `json:"state"`
	WebhookURL string              `json:"webhookUrl"`
	Mapping    *flow.MappingChange `json:"mapping,omitempty"`
	Events     *flow.EventsChange  `json:"events,omitempty"`
	MovedFrom  string              `json:"movedFrom,omitempty"` // the old flow id after a move
	// CustomerIO says what a move did to the Customer.io reporting webhook, when an App API key is stored.
	CustomerIO string   `json:"customerIo,omitempty"`
	Retired    []string `json:"retired,omitempty"` // kinds deleted by --retire or a move with --yes
}

func runReconfigure(ctx context.Context, g *Factory, o *reconfigureOptions) error {
	ch, err := o.changes()
	if err != nil {
		return err
	}
	release, err := lockProfile(g, "cioaep reconfigure")
	if err != nil {
		return err
	}
	defer release()
	conn, err := g.Connect(ctx, overrides{})
	if err != nil {
		return err
	}
	defer conn.Close()
	s, people := conn.Session, authPeople(g)
	out := reconfigureJSON{Profile: g.Profile}
	retire := func(flowID string) error {
		return s.Retire(ctx, flowID, func(it flow.TeardownItem, err error) {
			switch {
			case err != nil:
			case it.Action == flow.ActionDelete:
				out.Retired = append(out.Retired, it.Kind)
				fmt.Fprintf(people, "  ✓ deleted %s %s\n", it.Kind, it.ID)
			case it.Reason != "":
				fmt.Fprintf(people, "  ✓ %s %s: %s\n", it.Kind, it.ID, it.Reason)
			}
		})
	}
	if o.retire != "" {
		if err := retire(o.retire); err != nil {
			return setupFailed(ctx, err)
		}
		return printReconfigure(g, out)
	}

	df, adopted, err := reconfigureTarget(ctx, s, o.flowID, people)
	if err != nil {
		return err
	}
	out.Adopted = adopted
	var hookErr error // the move is done but Customer.io's webhook could not follow it
	if ch.events != nil {
		ec, err := s.ChangeEvents(ctx, df, ch.events)
		if err != nil {
			return setupFailed(ctx, err)
		}
		out.Events = &ec
		fmt.Fprintf(people, "Customer.io events: %s. Adobe needs no change; in Customer.io (Reporting Webhooks) tick: %s\n",
			strings.Join(ec.After, ", "), strings.Join(ec.Subscriptions, ", "))
		for _, r := range ec.Idle {
			fmt.Fprintf(people, "  note: no %s event carries %s, so %s stays empty\n", strings.Join(ec.After, "/"), r.Source, r.Destination)
		}
	}
	if ch.rules != nil && ch.move == nil {
		mc, err := s.ChangeMapping(ctx, df, ch.rules)
		if err != nil {
			return setupFailed(ctx, err)
		}
		out.Mapping = &mc
		printMappingChange(people, mc)
	}
	if ch.move != nil {
		res, err := s.MoveDataset(ctx, df, *ch.move, setupProgress(people))
		if err != nil {
			return setupFailed(ctx, err)
		}
		out.MovedFrom = df.ID
		fmt.Fprintf(people, "New dataflow %s writes to dataset %s, at the webhook URL:\n  %s\n", res.FlowID, res.DatasetID, res.WebhookURL)
		mover := webhookMover{Paths: conn.Paths, Profile: g.Profile, Secrets: o.secrets, HTTP: o.appAPI}
		mv, err := mover.move(ctx, df.WebhookURL(), res.WebhookURL)
		out.CustomerIO = mv.Message
		switch {
		case err != nil:
			hookErr = err // said once, as the exit message
			out.CustomerIO = err.Error()
		case mv.Moved:
			fmt.Fprintf(people, "✓ %s\n", mv.Message)
		case mv.Message != "":
			fmt.Fprintf(people, "! %s\n", mv.Message)
		}
		if !mv.Moved {
			fmt.Fprintln(people, "In Customer.io (Data & Integrations → Integrations → Reporting Webhooks), replace the old URL in the webhook's endpoint with the new one.")
		}
		switch {
		case o.yes && hookErr != nil:
			// Retiring now would leave Customer.io posting to a deleted endpoint, which stalls its stream.
			fmt.Fprintf(people, "The old dataflow %s keeps running, despite --yes, while Customer.io still posts to it. Once the webhook posts to the new URL, delete it with:\n  cioaep reconfigure --non-interactive --retire %s --yes\n", df.ID, df.ID)
		case o.yes:
			if err := retire(df.ID); err != nil {
				return setupFailed(ctx, err)
			}
		default:
			fmt.Fprintf(people, "The old dataflow %s keeps running. Once Customer.io posts to the new URL, delete it with:\n  cioaep reconfigure --non-interactive --retire %s --yes\n", df.ID, df.ID)
		}
		if df, err = s.Refresh(ctx, flow.Dataflow{ID: res.FlowID, Sandbox: df.Sandbox}); err != nil {
			return setupFailed(ctx, err)
		}
	}
	if ch.enable != nil {
		if df, err = s.SetEnabled(ctx, df, *ch.enable); err != nil {
			return setupFailed(ctx, err)
		}
		fmt.Fprintf(people, "Dataflow %s is now %s.\n", df.ID, df.State)
	}
	out.FlowID, out.State, out.WebhookURL = df.ID, df.State, df.WebhookURL()
	if err := printReconfigure(g, out); err != nil {
		return err
	}
	if hookErr != nil {
		return &ExitError{Code: ExitFailed, Err: fmt.Errorf("the move to the new dataset is done, but %s\nThe Customer.io webhook still posts to the old URL: point it at the new one by hand, then retire the old dataflow %s", flow.Explain(hookErr), out.MovedFrom)}
	}
	return nil
}

// reconfigureTarget is the dataflow to change: the profile's own, or (with no journal, or --flow naming
// another) one found in the sandbox and adopted. adopted says the journal was written from the platform.
func reconfigureTarget(ctx context.Context, s *flow.Session, flowID string, people io.Writer) (flow.Dataflow, bool, error) {
	df, found, gone, err := s.Current(ctx)
	if err != nil {
		return df, false, setupFailed(ctx, err)
	}
	if found && (flowID == "" || flowID == df.ID) {
		return df, false, nil
	}
	dfs, err := s.Discover(ctx, "")
	if err != nil {
		return df, false, setupFailed(ctx, err)
	}
	pick := -1
	for i, d := range dfs {
		if d.ID == flowID || (flowID == "" && len(dfs) == 1) {
			pick = i
		}
	}
	if pick < 0 {
		switch {
		case flowID != "":
			return df, false, &ExitError{Code: ExitFailed, Err: fmt.Errorf("no Customer.io dataflow %s in sandbox %s", flowID, s.Client("").Sandbox())}
		case len(dfs) == 0 && gone != "":
			return df, false, &ExitError{Code: ExitFailed, Err: fmt.Errorf("the dataflow %s this profile set up no longer exists, and the sandbox has no other Customer.io dataflow: run cioaep setup", gone)}
		case len(dfs) == 0:
			return df, false, &ExitError{Code: ExitFailed, Err: fmt.Errorf("no Customer.io dataflow in sandbox %s: run cioaep setup", s.Client("").Sandbox())}
		}
		var ids []string
		for _, d := range dfs {
			ids = append(ids, fmt.Sprintf("%s (%q)", d.ID, d.Name))
		}
		return df, false, missingErr("--flow: the sandbox has several Customer.io dataflows: " + strings.Join(ids, ", "))
	}
	df = dfs[pick]
	if _, err := s.Adopt(ctx, df); err != nil {
		return df, false, setupFailed(ctx, err)
	}
	fmt.Fprintf(people, "Adopted dataflow %s (%q) into profile's journal.\n", df.ID, df.Name)
	return df, true, nil
}

// printMappingChange shows the rule diff, what another client changed meanwhile, and the new version.
func printMappingChange(w io.Writer, mc flow.MappingChange) {
	if len(mc.Diff) == 0 && mc.NewVersion == mc.OldVersion {
		fmt.Fprintln(w, "The mapping already has these rules: nothing changed.")
		return
	}
	fmt.Fprintf(w, "Mapping set %s: version %d → %d\n", mc.MappingSetID, mc.OldVersion, mc.NewVersion)
	for _, d := range mc.Diff {
		fmt.Fprintln(w, "  "+d.String())
	}
	for _, c := range mc.Concurrent {
		fmt.Fprintf(w, "Meanwhile someone else changed the dataflow's %s; that change was kept.\n", c)
	}
}

func printReconfigure(g *Factory, out reconfigureJSON) error {
	if g.JSON {
		return authJSON(g.IO.Out, out)
	}
	if out.WebhookURL != "" {
		fmt.Fprintln(g.IO.Out, out.WebhookURL)
	}
	return nil
}
