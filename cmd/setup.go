package cmd

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/creds"
	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/dataprep"
	"github.com/cioaep/cioaep/flow/safetext"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdSetup(g, nil)) })
}

// setupOptions are setup's flags. Every prompt of the wizard has one, so CI can run setup unattended.
type setupOptions struct {
	nonInteractive bool
	creds          overrides
	secretStdin    bool

	events      string
	dataset     string
	newDataset  string
	schema      string
	newSchema   bool
	mappingFile string
	name        string

	profileEnabled   bool
	errorDiagnostics bool
	partialIngestion int
	dryRun           bool
}

// NewCmdSetup builds setup. runF replaces the run, so a test can stop after the flags became options;
// nil runs it.
func NewCmdSetup(g *Factory, runF func(context.Context, *setupOptions) error) *cobra.Command {
	o := &setupOptions{}
	cmd := &cobra.Command{
		Use:   "setup",
		Short: "Create the Customer.io → AEP dataflow (the wizard, or --non-interactive with flags)",
		Long: `setup creates, or finds again, everything a Customer.io reporting webhook needs in Adobe Experience
Platform: optionally a Customer.io schema and dataset, then the source and target connections, the mapping
and the dataflow, and prints the webhook URL to paste into Customer.io. Running it again creates nothing
twice: it resumes from the journal in the profile's state directory.

Non-interactive, the client secret comes from CIOAEP_CLIENT_SECRET or --client-secret-stdin, never a flag.`,
		Example: `  cioaep setup --local --non-interactive --new-dataset "Customer.io events" --new-schema
  CIOAEP_CLIENT_SECRET=… cioaep setup --non-interactive --org-id …@AdobeOrg --client-id … \
      --sandbox prod --dataset 5c8c3c555033b814b69f947f --mapping mapping.json --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			if !o.nonInteractive {
				return runWizard(cmd, g)
			}
			return runSetup(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.nonInteractive, "non-interactive", false, "take every answer from flags; never prompt")
	f.StringVar(&o.creds.OrgID, "org-id", "", "Adobe organization `id` (…@AdobeOrg)")
	f.StringVar(&o.creds.ClientID, "client-id", "", "OAuth Server-to-Server client `id` (the API key)")
	f.StringVar(&o.creds.Scopes, "scopes", "", "OAuth `scopes`, as shown on the credential page (default Experience Platform's)")
	f.StringVar(&o.creds.Sandbox, "sandbox", "", "sandbox `name` (default the profile's, else prod)")
	f.BoolVar(&o.secretStdin, "client-secret-stdin", false, "read the client secret from stdin")
	f.StringVar(&o.events, "events", "all", "Customer.io object `types` to subscribe (email,sms,push,…) or all")
	f.StringVar(&o.dataset, "dataset", "", "stream into this existing dataset `id`")
	f.StringVar(&o.newDataset, "new-dataset", "", "create a dataset with this `name` (with --schema or --new-schema)")
	f.StringVar(&o.schema, "schema", "", "schema `id` of the new dataset")
	f.BoolVar(&o.newSchema, "new-schema", false, "create the Customer.io field group and schema for the new dataset")
	f.StringVar(&o.mappingFile, "mapping", "", "Data Prep mapping `file` (JSON array); default: the Customer.io mapping, or one suggested from the schema's field names")
	f.StringVar(&o.name, "name", "", "dataflow `name` (default \"Customer.io → AEP\")")
	f.BoolVar(&o.profileEnabled, "profile-enabled", false, "enable the new schema and dataset for Real-Time Customer Profile (cannot be undone)")
	f.BoolVar(&o.errorDiagnostics, "error-diagnostics", false, "keep error diagnostics for failed records")
	f.IntVar(&o.partialIngestion, "partial-ingestion", 0, "allow partial ingestion up to `N` percent failed records (0 = off)")
	f.BoolVar(&o.dryRun, "dry-run", false, "show what would be created or reused; create nothing")
	return cmd
}

// runSetup is non-interactive setup: flags → plan → Review (dry run) or Apply → result and profile.
func runSetup(ctx context.Context, g *Factory, o *setupOptions) error {
	plan, err := o.plan()
	if err != nil {
		return err
	}
	if o.secretStdin {
		if o.creds.ClientSecret, err = readClientSecretStdin(g.IO.In); err != nil {
			return usageErr("%v", err)
		}
	}
	if !o.dryRun {
		release, err := lockProfile(g, "cioaep setup")
		if err != nil {
			return err
		}
		defer release()
	}
	conn, err := g.Connect(ctx, o.creds)
	if err != nil {
		return err
	}
	defer conn.Close()
	plan.Profile, plan.Sandbox = conn.Profile.Name, conn.Profile.Sandbox
	s := conn.Session

	if len(plan.Mapping) == 0 && plan.Destination.Kind != flow.NewSchema {
		if plan.Mapping, err = suggestForSetup(ctx, s, plan); err != nil {
			return setupFailed(ctx, err)
		}
		fmt.Fprintf(g.IO.ErrOut, "No --mapping given: using %d rules suggested from the schema's field names.\n", len(plan.Mapping))
	}
	if o.dryRun {
		steps, err := s.Review(ctx, plan)
		if err != nil {
			return setupFailed(ctx, err)
		}
		return printSetupReview(g, steps)
	}
	res, err := s.Apply(ctx, plan, setupProgress(g.IO.ErrOut))
	if err != nil {
		return setupFailed(ctx, err)
	}
	if err := conn.saveProfile(); err != nil {
		return err
	}
	return printSetupResult(g, res)
}

// plan turns the flags into a plan, refusing contradictions (usage, exit 2) and gaps (exit 3).
func (o *setupOptions) plan() (flow.Plan, error) {
	// Every flag is checked here, before the first network call and before anything is written.
	if o.creds.OrgID != "" {
		id, err := creds.NormalizeOrgID(o.creds.OrgID)
		if err != nil {
			return flow.Plan{}, usageErr("--org-id: %v", err)
		}
		o.creds.OrgID = id
	}
	events, err := flow.ParseEvents(o.events)
	if err != nil {
		return flow.Plan{}, usageErr("--events: %v", err)
	}
	p := flow.Plan{Events: events, Name: o.name, Options: flow.Options{
		ProfileEnabled: o.profileEnabled, ErrorDiagnostics: o.errorDiagnostics, PartialIngestionPercent: o.partialIngestion}}
	if o.partialIngestion < 0 || o.partialIngestion > 100 {
		return p, usageErr("--partial-ingestion takes a percentage from 0 to 100, not %d", o.partialIngestion)
	}
	switch {
	case o.dataset != "" && (o.newDataset != "" || o.newSchema || o.schema != ""):
		return p, usageErr("--dataset streams into an existing dataset: drop --new-dataset, --schema and --new-schema, or drop --dataset")
	case o.dataset != "":
		p.Destination = flow.Destination{Kind: flow.ExistingDataset, DatasetID: o.dataset}
	case o.newDataset == "":
		return p, missingErr("--dataset or --new-dataset")
	case o.newSchema && o.schema != "":
		return p, usageErr("--schema and --new-schema exclude each other: pick an existing schema or create the Customer.io one")
	case o.newSchema:
		p.Destination = flow.Destination{Kind: flow.NewSchema, DatasetName: o.newDataset}
	case o.schema != "":
		p.Destination = flow.Destination{Kind: flow.NewDataset, SchemaID: o.schema, DatasetName: o.newDataset}
	default:
		return p, missingErr("--schema or --new-schema")
	}
	if o.profileEnabled && p.Destination.Kind == flow.ExistingDataset {
		return p, usageErr("--profile-enabled applies to a dataset setup creates: enable an existing dataset for Profile in Adobe's UI")
	}
	if o.mappingFile != "" {
		var err error
		if p.Mapping, err = dataprep.ReadRules(o.mappingFile); err != nil {
			return p, usageErr("--mapping %s: %v", o.mappingFile, err)
		}
		for i, res := range dataprep.Validate(p.Mapping) {
			if res.Status != dataprep.Success {
				r := p.Mapping[i]
				if len(r.Source) > 80 {
					r.Source = r.Source[:80] + "…"
				}
				return p, usageErr("--mapping %s: rule %d (%s → %s): %s", o.mappingFile, i+1, r.Source, r.Destination, strings.Join(res.Errors, "; "))
			}
		}
	}
	return p, nil
}

// suggestForSetup is the non-interactive stand-in for the mapping step: rules matched by field name,
// accepted only if they cover the tutorial's mandatory targets and Data Prep accepts them.
func suggestForSetup(ctx context.Context, s *flow.Session, plan flow.Plan) ([]dataprep.Rule, error) {
	rules, err := s.SuggestMapping(ctx, plan, nil)
	if err != nil {
		return nil, err
	}
	plan.Mapping = rules
	if _, err := s.ValidateMapping(ctx, plan); err != nil {
		var mm *flow.MissingMandatoryError
		if errors.As(err, &mm) {
			return nil, fmt.Errorf("the suggested mapping leaves required fields empty (%s): write a mapping file and pass it with --mapping", strings.Join(mm.Paths, ", "))
		}
		return nil, err
	}
	return rules, nil
}

// setupFailed turns an engine error into an exit: interrupted stays interrupted (130); anything else exits 1
// with flow.Explain's lines.
func setupFailed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &ExitError{Code: ExitFailed, Err: errors.New(flow.Explain(err))}
}

// setupProgress writes one line per finished step for people (stderr), so CI logs show how far an
// interrupted run got.
func setupProgress(w io.Writer) func(flow.Step) {
	return func(s flow.Step) {
		switch s.State {
		case flow.StepDone, flow.StepReused:
			fmt.Fprintf(w, "  ✓ %-20s %-8s %s\n", s.Name, s.Outcome(), safetext.Line(s.ResourceID))
		case flow.StepFailed:
			fmt.Fprintf(w, "  ✗ %-20s failed\n", s.Name)
		}
	}
}

// printSetupResult prints the webhook URL alone on stdout (easy to capture in a script), or the whole
// result as JSON with --json.
func printSetupResult(g *Factory, r flow.Result) error {
	if g.JSON {
		return authJSON(g.IO.Out, r)
	}
	fmt.Fprintf(g.IO.ErrOut, "Dataflow ready: %d created, %d reused. Paste this URL into Customer.io (Reporting Webhooks → Webhook Endpoint):\n", len(r.Created), len(r.Reused))
	fmt.Fprintln(g.IO.Out, safetext.Line(r.WebhookURL))
	return nil
}

func printSetupReview(g *Factory, steps []flow.PlannedStep) error {
	if g.JSON {
		type line struct {
			Step   string `json:"step"`
			Action string `json:"action"`
			Detail string `json:"detail"`
		}
		out := make([]line, len(steps))
		for i, s := range steps {
			out[i] = line{s.Name, s.Action, s.Detail}
		}
		return authJSON(g.IO.Out, out)
	}
	fmt.Fprintln(g.IO.ErrOut, "Dry run: nothing was created. setup would:")
	for _, s := range steps {
		fmt.Fprintf(g.IO.Out, "%-7s %-20s %s\n", s.Action, s.Name, safetext.Line(s.Detail))
	}
	return nil
}
