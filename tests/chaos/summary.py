"""Totals over many chaos runs, and the lines that report them."""

from collections import Counter
from dataclasses import dataclass, field

from tests.chaos.plan import Fault
from tests.chaos.runner import RunReport


@dataclass
class Summary:
    runs: int = 0
    seconds: float = 0.0
    faults: Counter[str] = field(default_factory=Counter)
    jobs: int = 0
    refused: int = 0
    topups_paid: int = 0
    topups_abandoned: int = 0
    bot_starts: int = 0
    self_exits: Counter[str] = field(default_factory=Counter)  # why, in short
    failing: dict[int, list[str]] = field(default_factory=dict)  # seed → violations
    aborted: dict[int, str] = field(default_factory=dict)  # seed → the harness's own error
    kill_window: dict[int, int] = field(default_factory=dict)  # seed → such duplicates

    def add(self, report: RunReport) -> None:
        self.runs += 1
        self.seconds += report.seconds
        self.faults.update(report.faults)
        self.jobs += report.outcomes.jobs
        self.refused += report.outcomes.refused
        self.topups_paid += report.outcomes.topups_paid
        self.topups_abandoned += report.outcomes.topups_abandoned
        self.bot_starts += report.bot_starts
        self.self_exits.update(reason.split(":")[0] for reason in report.self_exits)
        if report.violations:
            self.failing[report.seed] = list(report.violations)
        if report.kill_window:
            self.kill_window[report.seed] = len(report.kill_window)

    @property
    def violations(self) -> int:
        return sum(len(found) for found in self.failing.values())

    def lines(self) -> list[str]:
        faults = ", ".join(f"{kind} {self.faults[kind]}" for kind in Fault if self.faults[kind])
        return [
            f"runs: {self.runs} in {self.seconds:.0f} s "
            f"({self.seconds / max(self.runs, 1):.1f} s/run)",
            f"jobs: {self.jobs} started ({self.refused} refused: no money or free quota); "
            f"Stars top-ups: {self.topups_paid} paid, {self.topups_abandoned} abandoned",
            f"bot processes started: {self.bot_starts}; died on their own (and were restarted, "
            f"as a supervisor would): {sum(self.self_exits.values())} {dict(self.self_exits)}",
            f"faults injected ({sum(self.faults.values())}): {faults}",
            f"violations: {self.violations} in {len(self.failing)} runs"
            + (f" (seeds {sorted(self.failing)})" if self.failing else ""),
            f"result messages sent twice by a kill -9 between Telegram's accept and the progress "
            f"commit, which a database outage right after the accept can delay (the window "
            f"trt/services/delivery.py documents): "
            f"{sum(self.kill_window.values())}"
            + (f" (seeds {sorted(self.kill_window)})" if self.kill_window else ""),
            f"runs aborted by a harness error: {len(self.aborted)}"
            + (f" (seeds {sorted(self.aborted)})" if self.aborted else ""),
        ]


def run_line(report: RunReport) -> str:
    faults = ", ".join(f"{kind} {count}" for kind, count in sorted(report.faults.items()))
    outcome = report.outcomes
    line = (
        f"seed {report.seed}: {report.seconds:.1f} s, {outcome.jobs} jobs, "
        f"{outcome.topups_paid} paid top-ups, {report.bot_starts} bot starts; "
        f"faults: {faults or 'none'}; violations: {len(report.violations)}"
    )
    if report.kill_window:
        line += f"; sent twice in the kill window: {report.kill_window}"
    if report.self_exits:
        line += f"; the bot exited by itself: {report.self_exits}"
    return line
