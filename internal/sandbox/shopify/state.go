package shopify

import (
	"sort"

	"github.com/trove-platform/trove/internal/sandbox"
)

// keptDeliveries is how many finished deliveries per shop the saved state
// keeps (the newest; every pending one is kept).
const keptDeliveries = 1000

// Open returns a stand-in that keeps its state in the file at path: what
// the file holds when it opens (nothing, the first time: add shops, or
// SeedDemo), and every change after, so that a restarted
// `trove serve --sandbox` carries on where it stopped: the same shops,
// products and stock, tokens, webhook subscriptions, orders and order
// numbers, and the deliveries still to make. Call ResumeDeliveries once the
// subscribers answer, and Close as the server stops.
func Open(path string, cfg Config) (*Shopify, error) {
	s := New(cfg)
	s.file = sandbox.NewFile(path)
	st := state{}
	ok, err := s.file.Load(&st)
	if err != nil {
		return nil, err
	}
	if ok {
		if st.Shops == nil {
			st.Shops = map[string]*shopifyShop{}
		}
		if st.Codes == nil {
			st.Codes = map[string]*shopifyAuthCode{}
		}
		for _, sh := range st.Shops {
			sh.fill()
		}
		s.state = st
	}
	return s, nil
}

// fill gives a loaded shop the maps a shop saved empty may lack.
func (sh *shopifyShop) fill() {
	if sh.Products == nil {
		sh.Products = map[int64]*shopifyProduct{}
	}
	if sh.ItemOf == nil {
		sh.ItemOf = map[int64]int64{}
	}
	if sh.VariantOf == nil {
		sh.VariantOf = map[int64]int64{}
	}
	if sh.Access == nil {
		sh.Access = map[string]*shopifyAccessToken{}
	}
	if sh.Refresh == nil {
		sh.Refresh = map[string]*shopifyRefreshToken{}
	}
}

// ShopDomains lists the domains of the stand-in's shops, sorted.
func (s *Shopify) ShopDomains() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.Shops))
	for d := range s.Shops {
		out = append(out, d)
	}
	sort.Strings(out)
	return out
}

// ResumeDeliveries sends again, in the background, every delivery that was
// pending when the stand-in last stopped, to the address it was made for.
func (s *Shopify) ResumeDeliveries() {
	s.mu.Lock()
	var recs []*Delivery
	for _, sh := range s.Shops {
		for _, rec := range sh.Deliveries {
			if rec.Pending {
				recs = append(recs, rec)
			}
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
func (s *Shopify) Close() { s.sender.Stop() }

// save writes the state to the stand-in's file, if it has one, after
// trimming the delivery logs. Callers hold s.mu. A failure is logged: the
// change has been made, and the next save writes it.
func (s *Shopify) save() {
	if s.file == nil {
		return
	}
	for _, sh := range s.Shops {
		finished := 0
		for _, d := range sh.Deliveries {
			if !d.Pending {
				finished++
			}
		}
		if extra := finished - keptDeliveries; extra > 0 {
			kept := sh.Deliveries[:0]
			for _, d := range sh.Deliveries {
				if !d.Pending && extra > 0 {
					extra--
					continue
				}
				kept = append(kept, d)
			}
			clear(sh.Deliveries[len(kept):])
			sh.Deliveries = kept
		}
	}
	if err := s.file.Save(&s.state); err != nil {
		s.log.Error("sandbox shopify: the state was not saved", "err", err.Error())
	}
}
