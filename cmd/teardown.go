package cmd

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cioaep/cioaep/flow"
	"github.com/cioaep/cioaep/flow/safetext"
)

func init() {
	register(func(root *cobra.Command, g *Factory) { root.AddCommand(NewCmdTeardown(g, nil)) })
}

// teardownOptions are teardown's flags.
type teardownOptions struct {
	yes, dryRun, includeDataset bool
}

// NewCmdTeardown builds teardown; runF, when not nil, replaces the run (see NewCmdSetup).
func NewCmdTeardown(g *Factory, runF func(context.Context, *teardownOptions) error) *cobra.Command {
	o := &teardownOptions{}
	cmd := &cobra.Command{
		Use:   "teardown",
		Short: "Delete what cioaep created for this profile",
		Long: `teardown deletes what cioaep created for the profile, newest first: the dataflow, then its target
and source connections. With --include-dataset it also deletes the dataset, schema and field group setup
created, with the data in them. It never deletes anything cioaep did not create: a dataset that existed
before setup stays, and so does a dataflow built in Adobe's UI.

What was created is read from the profile's journal (and the journals kept from earlier plans, after a
move to another dataset); an interrupted setup's resources are found by the plan id in their names.
Mapping sets stay: Data Prep has no delete for them, and one no dataflow uses does nothing.

It asks before deleting; without a terminal pass --yes. --dry-run only lists what would happen.`,
		Example: `  cioaep teardown --dry-run
  cioaep teardown --yes --include-dataset`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), o)
			}
			return runTeardown(cmd.Context(), g, o)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&o.yes, "yes", false, "delete without asking")
	f.BoolVar(&o.dryRun, "dry-run", false, "list what would be deleted and kept; delete nothing")
	f.BoolVar(&o.includeDataset, "include-dataset", false, "also delete the dataset, schema and field group setup created, with their data")
	return cmd
}

// teardownLine is one resource in teardown's --json output.
type teardownLine struct {
	Kind   string `json:"kind"`
	ID     string `json:"id"`
	Name   string `json:"name"`
	Action string `json:"action"` // "delete" | "keep" | "forget"
	Reason string `json:"reason"`
	Done   bool   `json:"done"`
}

func runTeardown(ctx context.Context, g *Factory, o *teardownOptions) error {
	release, err := lockProfile(g, "cioaep teardown")
	if err != nil {
		return err
	}
	defer release()
	conn, err := g.Connect(ctx, overrides{})
	if err != nil {
		return err
	}
	defer conn.Close()
	s := conn.Session
	items, err := s.PlanTeardown(ctx, flow.TeardownOptions{IncludeDataset: o.includeDataset})
	if err != nil {
		return setupFailed(ctx, err)
	}
	people, progress := results(g), safetext.Writer(g.IO.ErrOut)
	deletes := 0
	for _, it := range items {
		if it.Action == flow.ActionDelete {
			deletes++
		}
	}
	if deletes == 0 || o.dryRun {
		if !g.JSON {
			printTeardownPlan(people, items, o.dryRun)
		}
		return printTeardownJSON(g, items, nil)
	}
	if !g.JSON {
		printTeardownPlan(people, items, false)
	}
	if !o.yes {
		if !g.IO.IsStdinTTY() {
			return missingErr("--yes (teardown deletes " + plural(deletes, "resource") + ")")
		}
		if !confirm(g.IO.In, progress, fmt.Sprintf("Delete %s? [y/N] ", plural(deletes, "resource"))) {
			fmt.Fprintln(people, "Nothing was deleted.")
			return nil
		}
	}
	done := map[string]bool{}
	err = s.Teardown(ctx, items, func(it flow.TeardownItem, err error) {
		if err == nil {
			done[it.Kind+it.ID] = true
		}
		if g.JSON {
			return
		}
		switch {
		case err != nil:
			fmt.Fprintf(progress, "  ✗ %-17s %s: %v\n", it.Kind, it.ID, err)
		case it.Action == flow.ActionDelete:
			fmt.Fprintf(progress, "  ✓ deleted %-17s %s\n", it.Kind, it.ID)
		}
	})
	if jerr := printTeardownJSON(g, items, done); jerr != nil {
		return jerr
	}
	if err != nil {
		return setupFailed(ctx, err)
	}
	if !g.JSON {
		fmt.Fprintf(people, "Teardown done for profile %s. Remove the webhook in Customer.io too (Reporting Webhooks), or it keeps posting to a deleted endpoint.\n", g.Profile)
	}
	return nil
}

// printTeardownPlan lists every item with what teardown does and, for what it keeps, why.
func printTeardownPlan(w io.Writer, items []flow.TeardownItem, dry bool) {
	if len(items) == 0 {
		fmt.Fprintln(w, "Nothing to tear down: the profile's journal names nothing cioaep created. If this profile's dataflow was set up on another machine, adopt it first with cioaep reconfigure --non-interactive (--flow ID when the sandbox has several), then run teardown again.")
		return
	}
	if dry {
		fmt.Fprintln(w, "Dry run: nothing is deleted. teardown would:")
	}
	for _, it := range items {
		what := it.ID
		if it.Name != "" {
			what = fmt.Sprintf("%s %q", it.ID, it.Name)
		}
		fmt.Fprintf(w, "  %-6s %-17s %s\n", it.Action, it.Kind, what)
		if it.Reason != "" {
			fmt.Fprintf(w, "         %s\n", it.Reason)
		}
	}
}

// printTeardownJSON prints the items with --json; done is nil for a dry run.
func printTeardownJSON(g *Factory, items []flow.TeardownItem, done map[string]bool) error {
	if !g.JSON {
		return nil
	}
	out := make([]teardownLine, len(items))
	for i, it := range items {
		out[i] = teardownLine{Kind: it.Kind, ID: it.ID, Name: it.Name, Action: it.Action, Reason: it.Reason, Done: done[it.Kind+it.ID]}
	}
	return authJSON(g.IO.Out, out)
}

// confirm asks a yes/no question on a terminal; anything but y or yes is no.
func confirm(in io.Reader, out io.Writer, question string) bool {
	fmt.Fprint(out, question)
	answer, _ := bufio.NewReader(in).ReadString('\n')
	answer = strings.ToLower(strings.TrimSpace(answer))
	return answer == "y" || answer == "yes"
}
