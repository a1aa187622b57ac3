"""Prometheus metrics, in a registry of their own (built once in the composition root).

The same words as the code and the logs: jobs by model and outcome, KIE calls, callbacks by
outcome, deliveries, ledger volume, Telegram updates and HTTP requests.
"""

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
JOB_BUCKETS = (5, 10, 20, 30, 60, 120, 300, 600, 1200, 2400)


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        r = self.registry
        self.jobs = Counter(
            "trt_jobs",
            "Jobs by model and outcome (created, succeeded, failed)",
            ["model", "outcome"],
            registry=r,
        )
        self.job_seconds = Histogram(
            "trt_job_seconds",
            "Time from job creation to its end",
            ["model", "outcome"],
            buckets=JOB_BUCKETS,
            registry=r,
        )
        self.kie_seconds = Histogram(
            "trt_kie_request_seconds",
            "KIE calls by operation and outcome",
            ["operation", "outcome"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.callbacks = Counter(
            "trt_kie_callbacks", "KIE callbacks by outcome", ["outcome"], registry=r
        )
        self.deliveries = Counter(
            "trt_deliveries", "Result deliveries by outcome", ["outcome"], registry=r
        )
        self.ledger_kopecks = Counter(
            "trt_ledger_kopecks",
            "Money moved through the ledger, by entry kind",
            ["kind"],
            registry=r,
        )
        self.updates = Counter(
            "trt_telegram_updates", "Telegram updates by outcome", ["outcome"], registry=r
        )
        self.http_seconds = Histogram(
            "trt_http_request_seconds",
            "HTTP requests served",
            ["route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
