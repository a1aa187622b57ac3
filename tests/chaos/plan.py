"""One chaos run's scenario, drawn from its seed: users, what they do and when, and the faults.

Pure: the same seed gives the same plan (users, actions, faults and their times). The real
processes still interleave as they will, so replaying a seed replays the scenario, not the
exact timing.
"""

import random
from dataclasses import dataclass, field
from enum import StrEnum

from trt.sandbox.kie import Behaviour, CallbackMode, Outcome

CRASH_POINTS = ("submit.before_create", "submit.after_create", "settle.after_commit")
FREE_MODELS = ("z-image", "qwen-t2i")
PAID_MODELS = (
    "nano-banana",
    "seedream-4",
    "imagen4",
    "sora-2-t2v",
    "veo-3-1-fast-t2v",
    "suno-v4-5",
    "flux-kontext-pro",
    "gpt4o-image",
    "runway-t2v",
)
PAID_WEIGHTS = (5, 3, 3, 1, 1, 1, 1, 1, 1)
STAR_PACKAGES = (50, 100)  # of the default STARS_PACKAGES
# Methods a run calls (results, notices, polling, the top-up flow), with weights.
TG_FAULT_METHODS = {
    "sendPhoto": 3,
    "sendMessage": 2,
    "*": 2,
    "sendVideo": 1,
    "sendAudio": 1,
    "getUpdates": 1,
    "sendInvoice": 1,
    "answerPreCheckoutQuery": 1,
    "answerCallbackQuery": 1,
}


class Fault(StrEnum):
    """Fault types, as counted in reports."""

    KILL = "kill -9"
    CRASH_POINT = "kill at a crash point"
    CALLBACK_DUPLICATE = "callbacks duplicated"
    CALLBACK_OUT_OF_ORDER = "callbacks out of order"
    CALLBACK_LOST = "callbacks lost"
    CALLBACK_DELAYED = "callbacks delayed"
    KIE_429 = "KIE 429"
    KIE_5XX = "KIE 5xx"
    KIE_TIMEOUT = "KIE timeout (hang, then 504)"
    KIE_STUCK = "KIE task stuck"
    KIE_FAILED = "KIE task failed"
    TG_429 = "Telegram 429"
    TG_5XX = "Telegram 5xx"
    TG_BLOCKED = "Telegram: bot blocked"
    DB_CUT = "DB connections cut"
    DB_OUTAGE = "DB outage (connections refused)"
    DUPLICATE_START = "duplicate start (same request key)"


@dataclass(frozen=True)
class UserPlan:
    user_id: int
    grant: int  # kopecks credited before the run starts (0: none)


@dataclass(frozen=True)
class Generate:
    user_id: int
    model_id: str
    prompt: str
    twice: bool = False  # the same request sent twice at once (a double press)


@dataclass(frozen=True)
class TopUp:
    user_id: int
    stars: int


@dataclass(frozen=True)
class Kill:
    restart_after: float


@dataclass(frozen=True)
class KieFault:
    status: int
    count: int
    hang_seconds: float | None = None


@dataclass(frozen=True)
class KieBehaviour:
    behaviour: Behaviour


@dataclass(frozen=True)
class TelegramFault:
    method: str
    status: int
    count: int


@dataclass(frozen=True)
class Block:
    user_id: int
    seconds: float


@dataclass(frozen=True)
class DbCut:
    outage_seconds: float  # 0: connections dropped, reconnecting works at once


Action = Generate | TopUp | Kill | KieFault | KieBehaviour | TelegramFault | Block | DbCut


@dataclass(frozen=True)
class Event:
    at: float  # seconds after the actions start
    action: Action


@dataclass(frozen=True)
class Plan:
    seed: int
    users: tuple[UserPlan, ...]
    events: tuple[Event, ...]
    first_behaviour: Behaviour
    crash_point: str | None  # the first bot process dies when it reaches this point
    stuck_to_deadline: float  # share of stuck tasks left to run into their deadline
    duration: float = field(default=3.0)


def make_plan(seed: int, *, duration: float = 3.0) -> Plan:
    rng = random.Random(seed)
    base = 10_000 + (seed % 100_000) * 10  # distinct user ids per seed, readable in logs
    users = tuple(
        UserPlan(user_id=base + n, grant=rng.choice((0, 2_000, 10_000, 50_000)))
        for n in range(rng.randint(2, 4))
    )
    events = [
        *_user_events(rng, users, duration),
        *_fault_events(rng, users, duration),
    ]
    events.sort(key=lambda event: event.at)
    return Plan(
        seed=seed,
        users=users,
        events=tuple(events),
        first_behaviour=behaviour(rng),
        crash_point=rng.choice(CRASH_POINTS) if rng.random() < 0.3 else None,
        stuck_to_deadline=rng.random(),
        duration=duration,
    )


def _user_events(rng: random.Random, users: tuple[UserPlan, ...], duration: float) -> list[Event]:
    events = []
    for n in range(rng.randint(5, 12)):
        user = rng.choice(users)
        free = rng.random() < 0.35
        model = rng.choice(FREE_MODELS) if free else rng.choices(PAID_MODELS, PAID_WEIGHTS)[0]
        action = Generate(user.user_id, model, f"chaos {n}", twice=rng.random() < 0.1)
        events.append(Event(rng.uniform(0, duration), action))
    for _ in range(rng.randint(1, 3)):
        user = rng.choice(users)
        events.append(
            Event(rng.uniform(0, duration), TopUp(user.user_id, rng.choice(STAR_PACKAGES)))
        )
    return events


def _fault_events(rng: random.Random, users: tuple[UserPlan, ...], duration: float) -> list[Event]:
    def at() -> float:
        return rng.uniform(0, duration)

    events = [
        Event(at(), Kill(restart_after=rng.uniform(0, 1.0))) for _ in range(rng.randint(0, 2))
    ]
    events += [Event(at(), KieBehaviour(behaviour(rng))) for _ in range(rng.randint(0, 2))]
    for _ in range(rng.randint(0, 3)):
        kind = rng.random()
        if kind < 0.25:
            fault = KieFault(status=504, count=rng.randint(1, 2), hang_seconds=rng.uniform(0.3, 2))
        else:
            status = 429 if kind < 0.55 else rng.choice((500, 502, 503))
            fault = KieFault(status=status, count=rng.randint(1, 3))
        events.append(Event(at(), fault))
    for _ in range(rng.randint(0, 3)):
        status = rng.choice((429, 500, 502))
        method = rng.choices(list(TG_FAULT_METHODS), weights=list(TG_FAULT_METHODS.values()))[0]
        events.append(Event(at(), TelegramFault(method, status, rng.randint(1, 2))))
    if rng.random() < 0.25:
        events.append(Event(at(), Block(rng.choice(users).user_id, rng.uniform(0.3, 2.0))))
    for _ in range(rng.randint(0, 2)):
        outage = 0.0 if rng.random() < 0.5 else rng.uniform(0.3, 2.0)
        events.append(Event(at(), DbCut(outage_seconds=outage)))
    return events


def behaviour(rng: random.Random) -> Behaviour:
    """A KIE behaviour for the tasks created from now on: speed, callbacks, failures, stalls."""
    callback = rng.choices(
        list(CallbackMode),
        weights=[40, 15, 15, 15, 15],  # normal, lost, duplicate, out_of_order, delayed
    )[0]
    outcome = Outcome.CONTENT_POLICY if rng.random() < 0.05 else Outcome.SUCCESS
    return Behaviour(
        latency=rng.uniform(0.2, 1.5),
        outcome=outcome,
        failure_rate=rng.choice((0.0, 0.1, 0.3)),
        hold=rng.random() < 0.15,
        callback=callback,
        callback_copies=rng.randint(2, 4),
        callback_delay=rng.uniform(0.3, 2.0),
    )
