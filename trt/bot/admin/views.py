"""Texts of the admin screens, built from service results."""

from decimal import Decimal

from trt.bot.texts import Texts
from trt.domain.manual_topups import RUB
from trt.domain.money import format_rub
from trt.domain.payments import PaymentOrder
from trt.services.admin import UserCard
from trt.services.broadcast import Progress
from trt.services.stats import Period, StatsReport

DATE = "%d.%m.%Y %H:%M"


def stats(t: Texts, report: StatsReport) -> str:
    topups = ", ".join(
        f"{t('admin-topup-method', method=method)} {format_rub(amount)}"
        for method, amount in report.topups.items()
    )
    statuses = ", ".join(f"{status} {n}" for status, n in sorted(report.jobs_by_status.items()))
    models = ", ".join(f"{model} ({n})" for model, n in report.top_models)
    failure = "—" if report.failure_rate is None else f"{report.failure_rate:.0%}"
    seconds = "—" if report.avg_seconds is None else f"{report.avg_seconds:.0f}"
    return t(
        "admin-stats",
        period=_period(t, report.period),
        new=str(report.new_users),
        active=str(report.active_users),
        revenue=format_rub(report.revenue),
        topups=topups or "—",
        captured=format_rub(report.captured),
        credits=f"{report.credits.normalize():f}",
        cost=format_rub(report.cost),
        margin=format_rub(report.margin),
        jobs=statuses or "—",
        models=models or "—",
        failure=failure,
        seconds=seconds,
    )


def _period(t: Texts, period: Period) -> str:
    match period:
        case Period.TODAY:
            return t("admin-period-today")
        case Period.WEEK:
            return t("admin-period-week")
        case _:
            return t("admin-period-all")


def card(t: Texts, user: UserCard) -> str:
    profile = user.profile
    lines = [
        t(
            "admin-user",
            id=str(profile.id),
            name=profile.first_name or "—",
            username=f"@{profile.username}" if profile.username else "—",
            since=profile.created_at.strftime(DATE),
            available=format_rub(user.balance.available),
            held=format_rub(user.balance.held),
            banned=t("admin-yes") if profile.is_banned else t("admin-no"),
            active=t("admin-yes") if profile.is_active else t("admin-no"),
        ),
        t("admin-user-entries"),
    ]
    lines += [
        f"{e.created_at.strftime(DATE)} {e.kind.value} {format_rub(e.available_delta)}"
        + (f" · {e.reason}" if e.reason else "")
        for e in user.entries
    ] or ["—"]
    lines.append(t("admin-user-jobs"))
    lines += [f"#{j.id} {j.model_id} {j.status} {format_rub(j.price)}" for j in user.jobs] or ["—"]
    lines.append(t("admin-user-orders"))
    lines += [
        f"#{o.id} {_paid_amount(o)} → {format_rub(o.credit)} ({o.status.value})"
        for o in user.orders
    ] or ["—"]
    return "\n".join(lines)


def kie(t: Texts, credits: Decimal, threshold: Decimal) -> str:
    key = "admin-kie-low" if credits < threshold else "admin-kie"
    return t(key, credits=f"{credits.normalize():f}", threshold=f"{threshold.normalize():f}")


def progress(t: Texts, state: Progress) -> str:
    return t(
        "admin-broadcast-progress",
        id=str(state.broadcast_id),
        done=str(state.done),
        total=str(state.total),
        sent=str(state.sent),
        blocked=str(state.blocked),
        failed=str(state.failed),
    )


def report(t: Texts, state: Progress) -> str:
    return t(
        "admin-broadcast-done",
        id=str(state.broadcast_id),
        total=str(state.total),
        sent=str(state.sent),
        blocked=str(state.blocked),
        failed=str(state.failed),
    )


def _paid_amount(order: PaymentOrder) -> str:
    """What the user paid: Stars as a count, rubles (kopecks in `amount`) formatted."""
    if order.currency == RUB:
        return format_rub(order.amount)
    return f"{order.amount} {order.currency}"
