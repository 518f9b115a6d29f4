package main

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/trove-platform/trove/internal/platform/db/dbtest"
)

// BenchmarkStripeWebhooks measures, through the real server on this machine:
//
//   - ingest: signed Stripe events POSTed by 8 concurrent senders, each a
//     distinct event: requests/second and p50/p99 latency to the 2xx;
//
//   - paid: for 20 purchases against the sandbox Stripe, the time from the card
//     confirmation (which sends the signed payment_intent.succeeded webhook) to
//     the order showing "paid" through the API.
//
//     make bench   (or: go test -run '^$' -bench StripeWebhooks ./cmd/trove/)
func BenchmarkStripeWebhooks(b *testing.B) {
	dsn := dbtest.NewDSN(b)
	p := seedPeople(b, dsn)
	p.connectStores(b, p.vendorA.ID)
	variantID := p.listVariant(b, p.vendorA.ID, "11", "Candle", 2500, 100000)
	s, sb, sbURL := stripeWorld(b, dsn)

	const senders = 8
	latencies := make([]time.Duration, b.N)
	var next atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: senders}}
	b.ResetTimer()
	start := time.Now()
	for range senders {
		wg.Go(func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= b.N {
					return
				}
				body := fmt.Appendf(nil, `{"id":"evt_bench_%d","object":"event","api_version":"2023-10-16","created":%d,"type":"customer.created","data":{"object":{"id":"cus_%d","object":"customer"}}}`, i, time.Now().Unix(), i)
				req, _ := http.NewRequest("POST", s.url+"/webhooks/stripe", strings.NewReader(string(body)))
				req.Header.Set("Stripe-Signature", sb.SignPayload(body, time.Now()))
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				res.Body.Close()
				latencies[i] = time.Since(t0)
				if res.StatusCode != 200 {
					b.Errorf("status %d", res.StatusCode)
					return
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(latencies)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "webhooks/s")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50_ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99_ms")

	// Webhook to paid, visible through the API.
	var toPaid []time.Duration
	for range 20 {
		g, orderID, intentID, secret := checkoutGuest(b, s, item{variantID, 1})
		t0 := time.Now()
		confirm(b, sbURL, intentID, secret, "pm_card_visa")
		for g.orderStatus(orderID) != "paid" {
			if time.Since(t0) > 20*time.Second {
				b.Fatal("an order never became paid")
			}
			time.Sleep(2 * time.Millisecond)
		}
		toPaid = append(toPaid, time.Since(t0))
	}
	slices.Sort(toPaid)
	b.ReportMetric(float64(toPaid[len(toPaid)/2].Microseconds())/1000, "to_paid_p50_ms")
	b.ReportMetric(float64(toPaid[len(toPaid)-1].Microseconds())/1000, "to_paid_max_ms")
}
