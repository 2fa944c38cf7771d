package pgstore

import (
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the store's Prometheus metrics: the pool's statistics, read
// at each scrape, and counters of retried transactions and purged rows.
type metrics struct {
	pool      *pgxpool.Pool
	retries   *prometheus.CounterVec
	exhausted prometheus.Counter
	purged    *prometheus.CounterVec

	conns, acquired, idle, maxConns *prometheus.Desc
	acquires, emptyAcquires         *prometheus.Desc
	acquireSeconds                  *prometheus.Desc
}

func newMetrics(pool *pgxpool.Pool) *metrics {
	return &metrics{
		pool: pool,
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_store_tx_retries_total",
			Help: "Store transactions run again after a serialization failure (40001) or deadlock (40P01), by SQLSTATE.",
		}, []string{"sqlstate"}),
		exhausted: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "acp_store_tx_retries_exhausted_total",
			Help: "Store transactions that still conflicted after every retry.",
		}),
		purged: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "acp_store_purged_rows_total",
			Help: "Expired rows the store's purge job deleted, by table.",
		}, []string{"table"}),
		conns:          prometheus.NewDesc("acp_store_pool_connections", "Open connections of the store's pool.", nil, nil),
		acquired:       prometheus.NewDesc("acp_store_pool_acquired_connections", "Connections of the store's pool in use.", nil, nil),
		idle:           prometheus.NewDesc("acp_store_pool_idle_connections", "Idle connections of the store's pool.", nil, nil),
		maxConns:       prometheus.NewDesc("acp_store_pool_max_connections", "The store's pool size (store.postgres.max_conns).", nil, nil),
		acquires:       prometheus.NewDesc("acp_store_pool_acquires_total", "Connections taken from the store's pool.", nil, nil),
		emptyAcquires:  prometheus.NewDesc("acp_store_pool_empty_acquires_total", "Connections taken from the store's pool that had to wait for one.", nil, nil),
		acquireSeconds: prometheus.NewDesc("acp_store_pool_acquire_seconds_total", "Time spent waiting for a connection of the store's pool.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (m *metrics) Describe(ch chan<- *prometheus.Desc) {
	m.retries.Describe(ch)
	m.exhausted.Describe(ch)
	m.purged.Describe(ch)
	for _, d := range []*prometheus.Desc{m.conns, m.acquired, m.idle, m.maxConns, m.acquires, m.emptyAcquires, m.acquireSeconds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (m *metrics) Collect(ch chan<- prometheus.Metric) {
	m.retries.Collect(ch)
	m.exhausted.Collect(ch)
	m.purged.Collect(ch)
	st := m.pool.Stat()
	ch <- prometheus.MustNewConstMetric(m.conns, prometheus.GaugeValue, float64(st.TotalConns()))
	ch <- prometheus.MustNewConstMetric(m.acquired, prometheus.GaugeValue, float64(st.AcquiredConns()))
	ch <- prometheus.MustNewConstMetric(m.idle, prometheus.GaugeValue, float64(st.IdleConns()))
	ch <- prometheus.MustNewConstMetric(m.maxConns, prometheus.GaugeValue, float64(st.MaxConns()))
	ch <- prometheus.MustNewConstMetric(m.acquires, prometheus.CounterValue, float64(st.AcquireCount()))
	ch <- prometheus.MustNewConstMetric(m.emptyAcquires, prometheus.CounterValue, float64(st.EmptyAcquireCount()))
	ch <- prometheus.MustNewConstMetric(m.acquireSeconds, prometheus.CounterValue, st.AcquireDuration().Seconds())
}
