"""Shared helpers for the benchmarks: loopback ports, percentiles, the closing line."""

import socket
import statistics
from collections.abc import Sequence


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


def report(name: str, measured: str, baseline: str, ratio: float, target: str, ok: bool) -> None:
    """The last line every benchmark prints."""
    verdict = "PASS" if ok else "MISS"
    print(
        f"{name}: measured {measured} | baseline {baseline} | ratio {ratio:.2f}"
        f" | target {target} | {verdict}"
    )
