"""What to do with a job after it: repeat it with the same inputs, or change them first.

The buttons sit under a delivered result and on a job's details in the history; both carry the
job id, and only its owner may use them (anyone else gets "this menu is outdated").

Repeat turns the pressed message into the new job's status message, so the lifecycle edits it
from there on. It is idempotent per pressed message: the request key is the job id plus that
message's id, so a double press starts one job. A press that finds its key already used only
says so (and leaves the status message to the lifecycle); two presses racing past that check
both show "queued" before the start and both get the same job from the idempotent start.
A refusal turns the message into the reason, with the buttons to go on.
"""

import contextlib

import structlog
from aiogram import F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from trt.bot import keyboards
from trt.bot.callbacks import JobAction, JobCb
from trt.bot.texts import Texts
from trt.bot.wizard import render
from trt.bot.wizard.flow import WizardFlow
from trt.bot.wizard.router import FlowMiddleware
from trt.domain.catalog import Catalog, UnknownModel
from trt.domain.errors import (
    FreeQuotaExhausted,
    GenerationRefused,
    InsufficientFunds,
    InvalidInputs,
    StaleButtonError,
    TooManyStarts,
)
from trt.domain.inputs import from_json_values
from trt.domain.money import format_rub
from trt.services.accounts import Account
from trt.services.generation import Generation, StartedJob
from trt.services.history import HistoryService, PastJob

log = structlog.get_logger(__name__)


def repeat_key(job_id: int, message_id: int) -> str:
    return f"repeat:{job_id}:{message_id}"


def build_results_router(*, free_quota: int) -> Router:
    router = Router(name="results")
    router.callback_query.middleware(FlowMiddleware(free_quota=free_quota))

    @router.callback_query(JobCb.filter(F.action == JobAction.REPEAT))
    async def repeat(
        query: CallbackQuery,
        *,
        callback_data: JobCb,
        t: Texts,
        account: Account,
        history: HistoryService,
        generation: Generation,
        catalog: Catalog,
    ) -> None:
        job = await history.job(user_id=account.user_id, job_id=callback_data.job)
        message = query.message
        if not isinstance(message, Message):
            raise StaleButtonError("the message is too old to edit")
        key = repeat_key(job.id, message.message_id)
        if await history.started_by(request_key=key) is not None:
            await query.answer(t("wiz-already-started"))
            return
        title = catalog.get(job.model_id).title.text(t.language)
        await _edit(message, t("job-queued", model=title), None)
        started = await _start(
            generation, t=t, user_id=account.user_id, message=message, job=job, key=key
        )
        await query.answer(_started_text(t, started) if started else None)

    @router.callback_query(JobCb.filter(F.action == JobAction.EDIT))
    async def change_inputs(
        query: CallbackQuery,
        callback_data: JobCb,
        account: Account,
        history: HistoryService,
        flow: WizardFlow,
    ) -> None:
        job = await history.job(user_id=account.user_id, job_id=callback_data.job)
        await flow.begin_prefilled(query, model_id=job.model_id, values=job.inputs)

    return router


async def _start(
    generation: Generation, *, t: Texts, user_id: int, message: Message, job: PastJob, key: str
) -> StartedJob | None:
    """The new job, or None after explaining a refusal in the message."""
    try:
        return await generation.start(
            user_id=user_id,
            chat_id=message.chat.id,
            model_id=job.model_id,
            values=from_json_values(dict(job.inputs)),
            status_message_id=message.message_id,
            request_key=key,
        )
    except InsufficientFunds as refusal:
        text = render.no_money_text(
            t, needed=refusal.needed, available=refusal.available, missing=refusal.missing
        )
        markup = keyboards.repeat_refused(t, job_id=job.id)
    except FreeQuotaExhausted as refusal:
        text = render.quota_exhausted_text(t, limit=refusal.limit, resets_at=refusal.resets_at)
        markup = keyboards.back_to_menu(t)
    except InvalidInputs:
        text, markup = t("repeat-invalid"), keyboards.change_inputs(t, job_id=job.id)
    except TooManyStarts as refusal:
        text = t("error-too-many-starts", seconds=refusal.retry_after)
        markup = keyboards.result_actions(t, job_id=job.id)
    except (GenerationRefused, UnknownModel) as refusal:  # a banned user, a model switched off
        text, markup = t(refusal.message_key), keyboards.back_to_menu(t)
    except Exception:
        # Unknown failure (logged by the error router): not left "queued"; the user may retry.
        await _edit(message, t("wiz-start-failed"), keyboards.result_actions(t, job_id=job.id))
        raise
    log.info("results.repeat_refused", job_id=job.id)
    await _edit(message, text, markup)
    return None


def _started_text(t: Texts, started: StartedJob) -> str:
    if started.is_free:
        return t("repeat-started-free")
    return t("repeat-started", price=format_rub(started.price))


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    # "message is not modified" means it already shows this text.
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_text(text, reply_markup=markup)
