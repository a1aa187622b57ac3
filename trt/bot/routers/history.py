"""The history: pages of the user's past jobs, one job's details, its result sent again.

Repeat and "change inputs" on a job's details are the result buttons (`routers.results`).
"""

import contextlib

from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from trt.bot import keyboards, screens
from trt.bot.callbacks import HistoryCb, JobAction, JobCb, MenuCb
from trt.bot.texts import Texts
from trt.bot.wizard import render
from trt.domain.catalog import Catalog
from trt.domain.inputs import from_json_values
from trt.domain.money import format_rub
from trt.domain.quota import MOSCOW
from trt.services.accounts import Account
from trt.services.history import HistoryPage, HistoryService, PastJob, ResendOutcome

DATE_FORMAT = "%d.%m.%Y %H:%M"  # Moscow time, as the quota's reset time


def build_history_router() -> Router:
    router = Router(name="history")

    @router.message(Command("history"))
    async def history_command(
        message: Message, t: Texts, account: Account, history: HistoryService, catalog: Catalog
    ) -> None:
        shown = await history.page(user_id=account.user_id, page=0)
        await message.answer(
            page_text(t, shown, catalog), reply_markup=page_markup(t, shown, catalog)
        )

    @router.callback_query(MenuCb.filter(F.action == "history"))
    @router.callback_query(HistoryCb.filter())
    async def history_page(
        query: CallbackQuery,
        *,
        callback_data: MenuCb | HistoryCb,
        t: Texts,
        account: Account,
        history: HistoryService,
        catalog: Catalog,
    ) -> None:
        number = callback_data.page if isinstance(callback_data, HistoryCb) else 0
        shown = await history.page(user_id=account.user_id, page=number)
        await screens.show(query, page_text(t, shown, catalog), page_markup(t, shown, catalog))

    @router.callback_query(JobCb.filter(F.action == JobAction.OPEN))
    async def job_details(
        query: CallbackQuery,
        *,
        callback_data: JobCb,
        t: Texts,
        account: Account,
        history: HistoryService,
        catalog: Catalog,
    ) -> None:
        job = await history.job(user_id=account.user_id, job_id=callback_data.job)
        markup = keyboards.job_details(
            t, job_id=job.id, page=callback_data.page, resend=bool(job.files)
        )
        await screens.show(query, details_text(t, job, catalog), markup)

    @router.callback_query(JobCb.filter(F.action == JobAction.RESEND))
    async def send_again(
        query: CallbackQuery,
        *,
        callback_data: JobCb,
        t: Texts,
        account: Account,
        history: HistoryService,
        catalog: Catalog,
    ) -> None:
        job = await history.job(user_id=account.user_id, job_id=callback_data.job)
        await query.answer(t("history-sending"))  # now: sending may take a while
        chat_id = query.from_user.id
        outcome = await history.resend(job=job, chat_id=chat_id, language=t.language)
        note = t(f"history-resend-{outcome.value}")
        if outcome is ResendOutcome.SENT:
            markup = keyboards.result_actions(t, job_id=job.id)
            await query.bot.send_message(chat_id, note, reply_markup=markup)  # type: ignore[union-attr]
            return
        # Expired: the details again, without the button that cannot work any more.
        resend = outcome is ResendOutcome.UNAVAILABLE
        markup = keyboards.job_details(t, job_id=job.id, page=callback_data.page, resend=resend)
        if isinstance(query.message, Message):
            with contextlib.suppress(TelegramBadRequest):
                await query.message.edit_text(
                    f"{note}\n\n{details_text(t, job, catalog)}", reply_markup=markup
                )

    return router


def _title(catalog: Catalog, model_id: str, language: str) -> str:
    # `describe`: a model switched off since keeps its title in the history.
    model = catalog.describe(model_id)
    return model.title.text(language) if model is not None else model_id


def _price(t: Texts, job: PastJob) -> str:
    return t("history-free") if job.is_free else format_rub(job.price)


def _date(job: PastJob) -> str:
    return job.created_at.astimezone(MOSCOW).strftime(DATE_FORMAT)


def page_text(t: Texts, shown: HistoryPage, catalog: Catalog) -> str:
    if not shown.jobs:
        return t("history-empty")
    lines = [t("history-title", page=shown.page + 1), ""]
    for number, job in enumerate(shown.jobs, start=shown.offset + 1):
        lines.append(
            t(
                "history-item",
                number=number,
                model=_title(catalog, job.model_id, t.language),
                status=t(f"history-status-{job.status.value}"),
                price=_price(t, job),
                date=_date(job),
            )
        )
    return "\n".join(lines)


def page_markup(t: Texts, shown: HistoryPage, catalog: Catalog) -> InlineKeyboardMarkup:
    items = [
        (
            t("history-button", number=number, model=_title(catalog, job.model_id, t.language)),
            job.id,
        )
        for number, job in enumerate(shown.jobs, start=shown.offset + 1)
    ]
    return keyboards.history_page(t, page=shown.page, has_next=shown.has_next, items=items)


def details_text(t: Texts, job: PastJob, catalog: Catalog) -> str:
    lines = [
        t("history-job-title", model=_title(catalog, job.model_id, t.language), job=str(job.id)),
        t("history-job-status", status=t(f"history-status-{job.status.value}")),
        t("history-job-price", price=_price(t, job)),
        t("history-job-date", date=_date(job)),
    ]
    if job.fail_reason is not None:
        lines.append(t(f"job-failed-{job.fail_reason.value}"))
    if (model := catalog.describe(job.model_id)) is not None:
        values = from_json_values(dict(job.inputs))
        lines.append("")
        for field in model.fields:
            if field.name in values:
                value = render.value_text(t, field, values[field.name])
                lines.append(t("wiz-summary-line", name=render.field_label(t, field), value=value))
    return "\n".join(lines)
