package db

import (
	"context"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
)

// CountCollector is a Prometheus collector that runs query at each scrape
// (bounded to 3 s) and reports its rows as a gauge named name, one series per
// row: query selects `label` (the label's value) and `n` (the count). The
// owner of a table writes the query; this only turns its rows into series.
// A query that fails reports nothing for the scrape (the series go absent,
// which an alert on absent() catches).
func CountCollector(conn *sqlx.DB, name, help, label, query string) prometheus.Collector {
	return &countCollector{conn: conn, query: query, desc: prometheus.NewDesc(name, help, []string{label}, nil)}
}

type countCollector struct {
	conn  *sqlx.DB
	query string
	desc  *prometheus.Desc
}

func (c *countCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *countCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var rows []struct {
		Label string `db:"label"`
		N     int64  `db:"n"`
	}
	if err := c.conn.SelectContext(ctx, &rows, c.query); err != nil {
		return
	}
	for _, r := range rows {
		ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(r.N), r.Label)
	}
}
