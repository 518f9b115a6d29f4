package httpx

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outcomes of a call to a provider, as ProviderMetrics labels them: a 429 is
// apart from other refusals, because it says the budget is spent, not that
// Trove asked for something wrong.
const (
	OutcomeOK          = "ok"
	OutcomeRateLimited = "rate_limited"
	OutcomeClientError = "client_error"
	OutcomeServerError = "server_error"
	OutcomeNetwork     = "network_error"
)

// ProviderMetrics counts and times the calls Trove makes to its providers
// (Stripe, Shopify, Xero…), by provider, operation and outcome: what fails
// there fails in a job, retried, and would otherwise show only as a backlog.
type ProviderMetrics struct {
	calls   *prometheus.CounterVec
	latency *prometheus.HistogramVec
}

// NewProviderMetrics registers the provider call metrics on reg.
func NewProviderMetrics(reg prometheus.Registerer) *ProviderMetrics {
	m := &ProviderMetrics{
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "trove_provider_calls_total",
			Help: "Calls to providers by provider, operation and outcome (ok, rate_limited, client_error, server_error, network_error).",
		}, []string{"provider", "operation", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "trove_provider_call_duration_seconds",
			Help:    "Latency of calls to providers, by provider and operation (every outcome).",
			Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"provider", "operation"}),
	}
	reg.MustRegister(m.calls, m.latency)
	return m
}

// Transport wraps base (nil: http.DefaultTransport) so that every call it
// makes is counted under provider and the operation op names for the request.
// op must name the kind of call (a method and a path template, a GraphQL
// operation), never anything with an id in it: each value is a time series.
func (m *ProviderMetrics) Transport(provider string, op func(*http.Request) string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &metered{m: m, provider: provider, op: op, base: base}
}

// Client is an http.Client with timeout whose calls are counted under
// provider (see Transport).
func (m *ProviderMetrics) Client(provider string, op func(*http.Request) string, timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: m.Transport(provider, op, nil)}
}

type metered struct {
	m        *ProviderMetrics
	provider string
	op       func(*http.Request) string
	base     http.RoundTripper
}

func (t *metered) RoundTrip(r *http.Request) (*http.Response, error) {
	op := t.op(r)
	start := time.Now()
	res, err := t.base.RoundTrip(r)
	t.m.latency.WithLabelValues(t.provider, op).Observe(time.Since(start).Seconds())
	t.m.calls.WithLabelValues(t.provider, op, outcome(res, err)).Inc()
	return res, err
}

func outcome(res *http.Response, err error) string {
	switch {
	case err != nil || res == nil:
		return OutcomeNetwork
	case res.StatusCode == http.StatusTooManyRequests:
		return OutcomeRateLimited
	case res.StatusCode >= 500:
		return OutcomeServerError
	case res.StatusCode >= 400:
		return OutcomeClientError
	default:
		return OutcomeOK
	}
}
