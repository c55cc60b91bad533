package flow

import (
	"context"
	"errors"

	"github.com/cioaep/cioaep/flow/aep"
)

// resource is one thing Apply makes sure exists: how to check a journaled id, how to find it by its
// tagged name, and how to create it.
type resource struct {
	kind string // Kind*, the journal key
	step string // Step*
	what string // "the source connection", for error messages
	name string // tagged name (or title)
	// verify reports whether the journaled id still exists and still fits the plan.
	verify func(ctx context.Context, id string) (bool, error)
	// find looks for a resource of this plan by name, for when a create may have happened without its
	// id reaching the journal. Nil when the resource has no name to search by.
	find   func(ctx context.Context) (id string, found bool, err error)
	create func(ctx context.Context) (string, error)
}

// ensure settles one resource: verify the journal's id, else (if an earlier run may have created it,
// which its journal entry says) look it up by name, else create it. A create whose outcome is unknown (aep.ErrAmbiguous) is looked up
// by name, then tried once more if nothing turned up. In a dry run nothing is created; the planned
// action is recorded instead.
func (r *run) ensure(ctx context.Context, res resource) (string, bool, error) {
	e, journaled := r.prior[res.kind]
	if journaled && e.ID != "" {
		ok, err := res.verify(ctx, e.ID)
		if err != nil {
			return "", false, r.fail(res, "check", err)
		}
		if ok {
			r.keep(res, e.ID, true)
			return e.ID, true, nil
		}
	}
	if journaled && res.find != nil {
		id, found, err := res.find(ctx)
		if err != nil {
			return "", false, r.fail(res, "look up", err)
		}
		if found {
			r.keep(res, id, true)
			return id, true, nil
		}
	}
	if r.dry {
		r.planned(res.step, "create", res.name)
		return "", false, nil
	}
	return r.create(ctx, res)
}

func (r *run) create(ctx context.Context, res resource) (string, bool, error) {
	for attempt := 1; ; attempt++ {
		id, err := res.create(ctx)
		if err == nil {
			r.keep(res, id, false)
			return id, false, nil
		}
		if !errors.Is(err, aep.ErrAmbiguous) || res.find == nil || attempt == 2 {
			return "", false, r.fail(res, "create", err)
		}
		id, found, ferr := res.find(ctx)
		if ferr != nil {
			return "", false, r.fail(res, "create", err)
		}
		if found {
			r.keep(res, id, false)
			return id, false, nil
		}
	}
}

// keep journals the id and records whether this run created or reused the resource.
func (r *run) keep(res resource, id string, reused bool) {
	if r.dry {
		r.planned(res.step, "reuse", id)
		return
	}
	r.record(func() error { return r.j.done(res.kind, id, res.name, true) })
	r.outcome(res.kind, reused)
}

func (r *run) fail(res resource, verb string, err error) error {
	return &StepError{Step: res.step, Op: verb + " " + res.what, Err: err}
}
