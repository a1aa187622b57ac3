"""The wizard's moves: start, ask a step, take a value or a file, show the summary, confirm.

One `WizardFlow` is built per update (by the router's middleware) around the user's FSM
context. Every move reads the wizard from FSM storage and writes it back before or right after
answering, so nothing lives in process memory. A button press edits the screen in place; a
message gets the next screen as a new message.
"""

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import structlog
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from trt.bot import keyboards as common_keyboards
from trt.bot import screens
from trt.bot.callbacks import GenerateCb, WizCb
from trt.bot.texts import Texts
from trt.bot.wizard import keyboards, render
from trt.bot.wizard.state import (
    WizardData,
    WizardStates,
    collected_files,
    display_values,
    file_entry,
    file_key,
    next_required,
    previous_required,
    step_number,
)
from trt.domain.catalog import Catalog, FieldType, InputField, ModelSpec, UnknownModel
from trt.domain.errors import StaleButtonError
from trt.domain.inputs import MediaInput, Problem, ProblemCode, validate, validate_value
from trt.domain.pricing import PricingPolicy, quote
from trt.services.accounts import Accounts
from trt.services.generation import Generation

log = structlog.get_logger(__name__)

Target = Message | CallbackQuery
WIZARD_STATES = (WizardStates.step.state, WizardStates.summary.state)


@dataclass(frozen=True, slots=True)
class Session:
    data: WizardData
    model: ModelSpec
    raw: dict[str, Any]
    in_summary: bool = False

    @property
    def field(self) -> InputField:
        if self.data.field is None:
            raise StaleButtonError("the wizard is not at a step")
        return self.model.field(self.data.field)


class WizardFlow:
    def __init__(
        self,
        *,
        state: FSMContext,
        t: Texts,
        catalog: Catalog,
        pricing: PricingPolicy,
        accounts: Accounts,
        generation: Generation,
        user_id: int,
        free_quota: int,
    ) -> None:
        self.state = state
        self.t = t
        self._catalog = catalog
        self._pricing = pricing
        self._accounts = accounts
        self.generation = generation
        self.user_id = user_id
        self._free_quota = free_quota

    async def load(self, button: WizCb | None = None, *, step: bool = False) -> Session:
        """The running wizard; StaleButtonError for a button of another (or no) wizard."""
        current = await self.state.get_state()
        raw = await self.state.get_data()
        data = WizardData.load(raw)
        if current not in WIZARD_STATES:
            raise StaleButtonError("no wizard is running")
        if data is None:
            await self.state.clear()  # unreadable (e.g. written by an older version): start over
            raise StaleButtonError("the wizard's data is unreadable")
        in_summary = current == WizardStates.summary.state
        if button is not None and button.sid != data.sid:
            raise StaleButtonError("a button of another wizard")
        if step and (in_summary or button is None or button.field != data.field):
            raise StaleButtonError("a button of another step")
        try:
            model = self._catalog.get(data.model_id)
        except UnknownModel:
            await self.state.clear()
            raise
        return Session(data=data, model=model, raw=raw, in_summary=in_summary)

    async def begin(self, query: CallbackQuery, button: GenerateCb) -> None:
        model = self._catalog.by_slug(button.slug)
        sid = secrets.token_hex(4)
        data = WizardData(sid=sid, model_id=model.id, section=button.section, page=button.page)
        log.info("wizard.started", model=model.id, sid=sid)
        await self._advance(query, Session(data=data, model=model, raw={}))

    async def begin_prefilled(
        self, target: Target, *, model_id: str, values: Mapping[str, Any]
    ) -> None:
        """A new wizard at its summary, pre-filled with `values` (JSON form, e.g. a past job's
        inputs); values of fields the model no longer has are left out."""
        model = self._catalog.get(model_id)
        known = {name: value for name, value in values.items() if model.has_field(name)}
        sid = secrets.token_hex(4)
        data = WizardData(sid=sid, model_id=model.id, section=model.category.value, values=known)
        log.info("wizard.prefilled", model=model.id, sid=sid)
        await self.show_summary(target, Session(data=data, model=model, raw={}))

    async def show_step(
        self, target: Target, session: Session, name: str, *, editing: bool
    ) -> None:
        data = session.data.at_step(name, editing=editing)
        await self.state.set_state(WizardStates.step)
        await self.state.set_data(data.dump())
        await self.ask(target, replace(session, data=data, raw=data.dump()))

    async def ask(
        self, target: Target, session: Session, *, problems: tuple[Problem, ...] = ()
    ) -> None:
        """The current step's screen, after the problems with the last input (if any)."""
        field, data = session.field, session.data
        progress = None if data.editing else step_number(session.model, field.name)
        current = display_values(session.model, data.typed_values()).get(field.name)
        text = render.step_text(self.t, session.model, field, step=progress, current=current)
        if problems:
            text = render.problems_text(self.t, session.model, problems) + "\n\n" + text
        files = len(collected_files(session.raw)) if field.type is FieldType.IMAGES else None
        await self._present(target, text, self._step_keyboard(session, files))

    def _step_keyboard(self, session: Session, files: int | None) -> InlineKeyboardMarkup:
        field = session.field
        return keyboards.step(
            self.t,
            sid=session.data.sid,
            field=field,
            page=session.data.options_page,
            resettable=not field.required and field.name in session.data.values,
            files=files,
        )

    async def turn_page(self, query: CallbackQuery, session: Session, page: int) -> None:
        data = session.data.model_copy(update={"options_page": page})
        await self.state.update_data(options_page=page)
        await self.ask(query, replace(session, data=data))

    async def submit(self, target: Target, session: Session, raw: object) -> None:
        """Check a step's value: store it and move on, or explain and ask again."""
        field = session.field
        check = validate_value(field, raw)
        if check.problems:
            await self.ask(target, session, problems=check.problems)
            return
        data = session.data
        data = (
            data.without_value(field.name)
            if check.value is None
            else data.with_value(field.name, check.value)
        )
        await self._advance(target, replace(session, data=data))

    async def reset(self, query: CallbackQuery, session: Session) -> None:
        data = session.data.without_value(session.field.name)
        await self._advance(query, replace(session, data=data))

    async def _advance(self, target: Target, session: Session) -> None:
        data = session.data
        following = None if data.editing else next_required(session.model, data.field)
        if following is None:
            await self.show_summary(target, session)
        else:
            await self.show_step(target, session, following, editing=False)

    async def add_file(self, message: Message, session: Session, media: MediaInput) -> None:
        field = session.field
        if field.type is FieldType.IMAGE:
            await self.submit(message, session, media)
            return
        # One file of several: its type and size now, the count below and again at "Done".
        check = validate_value(field, [media])
        problems = tuple(p for p in check.problems if p.code is not ProblemCode.TOO_FEW_FILES)
        if problems:
            await self.ask(message, session, problems=problems)
            return
        key = file_key(message.message_id)
        merged = await self.state.update_data({key: file_entry(media)})
        count = len(collected_files(merged))
        limit = field.max_count or count
        if count > limit:
            merged = await self.state.update_data({key: None})
            text = self.t("wiz-files-too-many", max=str(limit))
        else:
            text = self.t(
                "wiz-files-full" if count == limit else "wiz-files-received",
                count=count,
                max=str(limit),
            )
        keyboard = self._step_keyboard(replace(session, raw=merged), len(collected_files(merged)))
        await message.answer(text, reply_markup=keyboard)

    async def finish_files(self, query: CallbackQuery, session: Session) -> None:
        await self.submit(query, session, collected_files(session.raw))

    async def show_summary(
        self,
        target: Target,
        session: Session,
        *,
        note: str = "",
        problems: tuple[Problem, ...] = (),
    ) -> None:
        # A new token per summary: "Confirm" on any older summary is a stale button.
        update = {"field": None, "editing": False, "summary_token": secrets.token_hex(3)}
        data = session.data.model_copy(update=update)
        text = await self._summary_text(session.model, data, problems)
        await self.state.set_state(WizardStates.summary)
        await self.state.set_data(data.dump())
        markup = keyboards.summary(self.t, data=data, model=session.model)
        await self._present(target, note + text, markup)

    async def _summary_text(
        self, model: ModelSpec, data: WizardData, problems: tuple[Problem, ...]
    ) -> str:
        values = data.typed_values()
        checked = validate(model, values)
        if model.free:
            status = await self.generation.free_quota(user_id=self.user_id)
            price_line = render.free_line(self.t, status)
        else:
            price = quote(model, checked.values, self._pricing).price if checked.ok else None
            balance = await self._accounts.balance(user_id=self.user_id)
            price_line = render.price_line(self.t, price=price, balance=balance.available)
        return render.summary_text(
            self.t,
            model,
            display_values(model, values),
            price_line=price_line,
            problems=problems or checked.problems,
        )

    async def back(self, target: Target, session: Session) -> None:
        if session.data.editing and not session.in_summary:
            await self.show_summary(target, session)
            return
        before = None if session.in_summary else session.data.field
        previous = previous_required(session.model, before)
        if previous is not None:
            await self.show_step(target, session, previous, editing=False)
            return
        await self.state.clear()
        text = screens.card_text(self.t, session.model, self._pricing, free_quota=self._free_quota)
        markup = common_keyboards.model_card(
            self.t, slug=session.model.slug, section=session.data.section, page=session.data.page
        )
        await self._present(target, text, markup)

    async def cancel(self, target: Target) -> None:
        await self.state.clear()
        menu = common_keyboards.main_menu(self.t, list(self._catalog.categories()))
        await self._present(target, self.t("cancelled"), menu)

    async def _present(
        self, target: Target, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        """Show a screen: in place for a button press, as a new message otherwise."""
        if isinstance(target, Message):
            await target.answer(text, reply_markup=markup)
        else:
            await screens.show(target, text, markup)
