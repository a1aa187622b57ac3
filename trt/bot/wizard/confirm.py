"""Confirming the summary: one job per wizard, whatever the number of presses.

The press first claims the wizard in FSM data (see `state`: the first claim merged wins), then
turns the summary into the "queued" status message, and only then asks the service to start
the job, so the lifecycle's later edits of that message never race with ours. A refusal turns
the message into an explanation and drops the claim, so the user can confirm again.
"""

import contextlib

import structlog
from aiogram.exceptions import TelegramBadRequest
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from trt.bot import keyboards as common_keyboards
from trt.bot.callbacks import WizCb
from trt.bot.wizard import keyboards, render
from trt.bot.wizard.flow import Session, WizardFlow
from trt.bot.wizard.state import WizardData, claim_key, won_claim
from trt.domain.catalog import UnknownModel
from trt.domain.errors import (
    FreeQuotaExhausted,
    InsufficientFunds,
    InvalidInputs,
    StaleButtonError,
    TooManyStarts,
    UserBanned,
)

log = structlog.get_logger(__name__)


async def already_started(state: FSMContext, button: WizCb) -> bool:
    """True when this button's wizard has already started its job."""
    data = WizardData.load(await state.get_data())
    return data is not None and data.sid == button.sid and data.started_job is not None


async def confirm(flow: WizardFlow, query: CallbackQuery, button: WizCb) -> None:
    t, state = flow.t, flow.state
    try:
        session = await flow.load(button)
    except StaleButtonError:
        if not await already_started(state, button):
            raise
        await query.answer(t("wiz-already-started"))
        return
    message = query.message
    if not session.in_summary or button.arg != session.data.summary_token:
        raise StaleButtonError("an older summary")
    if not isinstance(message, Message):
        raise StaleButtonError("the summary is too old to edit")
    if not won_claim(await state.update_data({claim_key(query.id): True}), query.id):
        log.info("wizard.confirm_repeated", model=session.model.id, sid=button.sid)
        await query.answer(t("wiz-already-started"))
        return
    title = session.model.title.text(t.language)
    await _edit(message, t("job-queued", model=title), None)
    await _start(flow, query, message, session)


async def _start(
    flow: WizardFlow, query: CallbackQuery, message: Message, session: Session
) -> None:
    state, data = flow.state, session.data
    try:
        started = await flow.generation.start(
            user_id=flow.user_id,
            chat_id=message.chat.id,
            model_id=session.model.id,
            values=data.typed_values(),
            status_message_id=message.message_id,
            request_key=f"wizard:{flow.user_id}:{data.sid}",
        )
    except (InsufficientFunds, FreeQuotaExhausted) as refusal:
        await _refused(flow, message, data, refusal)
    except InvalidInputs as refusal:
        await flow.show_summary(query, session, problems=tuple(refusal.problems))
        return
    except UnknownModel as refusal:  # switched off (or gone) since the summary was shown
        await state.clear()
        await _edit(message, flow.t(refusal.message_key), common_keyboards.back_to_menu(flow.t))
    except TooManyStarts as refusal:  # the wizard stays: pressing again later starts it
        await state.set_data(data.dump())
        text = flow.t("error-too-many-starts", seconds=refusal.retry_after)
        await _edit(message, text, keyboards.refused(flow.t, sid=data.sid, balance=False))
    except UserBanned:
        await state.clear()
        raise
    except Exception:
        # Unknown failure (logged by the error router): the wizard goes on, not left "queued".
        await state.set_data(data.dump())
        markup = keyboards.refused(flow.t, sid=data.sid, balance=False)
        await _edit(message, flow.t("wiz-start-failed"), markup)
        raise
    else:
        # Data first: a press that finds no state must already see the job.
        await state.set_data(data.model_copy(update={"started_job": started.job_id}).dump())
        await state.set_state(None)
    await query.answer()


async def _refused(
    flow: WizardFlow,
    message: Message,
    data: WizardData,
    refusal: InsufficientFunds | FreeQuotaExhausted,
) -> None:
    t = flow.t
    log.info("wizard.confirm_refused", sid=data.sid, reason=type(refusal).__name__)
    if isinstance(refusal, InsufficientFunds):
        await flow.state.set_data(data.dump())  # drops the claim: the wizard goes on
        text = render.no_money_text(
            t, needed=refusal.needed, available=refusal.available, missing=refusal.missing
        )
        await _edit(message, text, keyboards.refused(t, sid=data.sid, balance=True))
        return
    await flow.state.clear()
    text = render.quota_exhausted_text(t, limit=refusal.limit, resets_at=refusal.resets_at)
    await _edit(message, text, common_keyboards.back_to_menu(t))


async def _edit(message: Message, text: str, markup: InlineKeyboardMarkup | None) -> None:
    # "message is not modified" means it already shows this text.
    with contextlib.suppress(TelegramBadRequest):
        await message.edit_text(text, reply_markup=markup)
