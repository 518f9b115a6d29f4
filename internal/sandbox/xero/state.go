package xero

import (
	"github.com/trove-platform/trove/internal/sandbox"
)

// keptRequests is how many API calls the saved state keeps (the newest).
const keptRequests = 1000

// Open returns a stand-in that keeps its state in the file at path: what
// the file holds when it opens (nothing, the first time: add a tenant), and
// every change after, so that a restarted `trove serve --sandbox` carries
// on where it stopped: the same organisations, contacts, bills, payments
// and credit notes, and the grants and tokens Trove holds.
func Open(path string, cfg Config) (*Xero, error) {
	x := New(cfg)
	x.file = sandbox.NewFile(path)
	st := x.state
	ok, err := x.file.Load(&st)
	if err != nil {
		return nil, err
	}
	if ok {
		x.state = st
		x.fill()
	}
	return x, nil
}

// fill gives a loaded state the maps a state saved empty may lack.
func (x *Xero) fill() {
	if x.Tenants == nil {
		x.Tenants = map[string]*xeroTenant{}
	}
	if x.Codes == nil {
		x.Codes = map[string]*xeroCode{}
	}
	if x.Grants == nil {
		x.Grants = map[string]*xeroGrant{}
	}
	if x.Access == nil {
		x.Access = map[string]*xeroAccess{}
	}
	if x.Refresh == nil {
		x.Refresh = map[string]*xeroRefresh{}
	}
	for _, t := range x.Tenants {
		if t.Idem == nil {
			t.Idem = map[string]*xeroIdem{}
		}
	}
}

// TenantIDs lists the organisations' tenant ids, in the order they were added.
func (x *Xero) TenantIDs() []string {
	x.mu.Lock()
	defer x.mu.Unlock()
	return x.tenantIDs()
}

// save writes the state to the stand-in's file, if it has one, after
// pruning what Xero would have forgotten (idempotency keys) and the oldest
// of the request log. Callers hold x.mu. A failure is logged: the change
// has been made, and the next save writes it.
func (x *Xero) save() {
	if x.file == nil {
		return
	}
	now := x.clock.Now()
	for _, t := range x.Tenants {
		for k, v := range t.Idem {
			if now.Sub(v.At) >= xeroIdemTTL {
				delete(t.Idem, k)
			}
		}
	}
	if extra := len(x.RequestLog) - keptRequests; extra > 0 {
		x.RequestLog = append(x.RequestLog[:0], x.RequestLog[extra:]...)
	}
	if err := x.file.Save(&x.state); err != nil {
		x.log.Error("sandbox xero: the state was not saved", "err", err.Error())
	}
}
