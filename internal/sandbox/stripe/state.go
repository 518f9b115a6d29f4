package stripe

import (
	"time"

	"github.com/trove-platform/trove/internal/sandbox"
)

// What the saved state keeps of histories that would otherwise grow without
// end: events as long as Stripe keeps them, idempotency keys as long as
// Stripe honours them, and the newest finished deliveries (every pending
// one is kept).
const (
	eventRetention = 30 * 24 * time.Hour
	keptDeliveries = 1000
)

// Open returns a stand-in that keeps its state in the file at path: what
// the file holds when it opens (nothing, the first time), and every change
// after, so that a restarted `trove serve --sandbox` carries on where it
// stopped: the same payment intents, charges, connected accounts, transfers
// and counters, and the deliveries still to make. Call
// ResumeDeliveries once the webhook URL answers, and Close as the server
// stops.
func Open(path string, cfg Config) (*Stripe, error) {
	s := New(cfg)
	s.file = sandbox.NewFile(path)
	st := newState()
	ok, err := s.file.Load(&st)
	if err != nil {
		return nil, err
	}
	if ok {
		s.state = st
		s.fill()
	}
	return s, nil
}

// fill gives a loaded state the maps a state saved empty may lack.
func (s *Stripe) fill() {
	empty := newState()
	if s.Intents == nil {
		s.Intents = empty.Intents
	}
	if s.Charges == nil {
		s.Charges = empty.Charges
	}
	if s.Refunds == nil {
		s.Refunds = empty.Refunds
	}
	if s.Customers == nil {
		s.Customers = empty.Customers
	}
	if s.Products == nil {
		s.Products = empty.Products
	}
	if s.Prices == nil {
		s.Prices = empty.Prices
	}
	if s.Subs == nil {
		s.Subs = empty.Subs
	}
	if s.Invoices == nil {
		s.Invoices = empty.Invoices
	}
	if s.Disputes == nil {
		s.Disputes = empty.Disputes
	}
	if s.Events == nil {
		s.Events = empty.Events
	}
	if s.Endpoints == nil {
		s.Endpoints = empty.Endpoints
	}
	if s.Idem == nil {
		s.Idem = empty.Idem
	}
	if s.Connect.Accounts == nil {
		s.Connect.Accounts = empty.Connect.Accounts
	}
	if s.Connect.Transfers == nil {
		s.Connect.Transfers = empty.Connect.Transfers
	}
	if s.Connect.Links == nil {
		s.Connect.Links = empty.Connect.Links
	}
}

// ResumeDeliveries sends again, in the background, every delivery that was
// pending when the stand-in last stopped (to its endpoint's URL of now, as
// Stripe sends to the endpoint's current address).
func (s *Stripe) ResumeDeliveries() {
	s.mu.Lock()
	var recs []*Delivery
	for _, rec := range s.DeliveryLog {
		if rec.Pending {
			if u := s.endpointURL(rec.Endpoint); u != "" {
				rec.URL = u
			}
			recs = append(recs, rec)
		}
	}
	s.mu.Unlock()
	for _, rec := range recs {
		s.send(rec)
	}
}

// Close stops the webhook retries: a delivery cut short stays pending in
// the saved state, for the next Open to resume. The stand-in still answers
// and still saves (requests in flight as the server stops).
func (s *Stripe) Close() { s.sender.Stop() }

// save writes the state to the stand-in's file, if it has one, after
// pruning the histories it keeps. Callers hold s.mu. A failure is logged:
// the change has been made, and the next save writes it.
func (s *Stripe) save() {
	if s.file == nil {
		return
	}
	now := s.clock.Now()
	for id, ev := range s.Events {
		if now.Sub(ev.Created) > eventRetention {
			delete(s.Events, id)
		}
	}
	for k, v := range s.Idem {
		if now.Sub(v.At) >= stripeIdemTTL {
			delete(s.Idem, k)
		}
	}
	finished := 0
	for _, d := range s.DeliveryLog {
		if !d.Pending {
			finished++
		}
	}
	if extra := finished - keptDeliveries; extra > 0 {
		kept := s.DeliveryLog[:0]
		for _, d := range s.DeliveryLog {
			if !d.Pending && extra > 0 {
				extra--
				continue
			}
			kept = append(kept, d)
		}
		clear(s.DeliveryLog[len(kept):])
		s.DeliveryLog = kept
	}
	if err := s.file.Save(&s.state); err != nil {
		s.log.Error("sandbox stripe: the state was not saved", "err", err.Error())
	}
}
