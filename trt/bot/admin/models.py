"""The operator's models screen and commands: switch a model off or on, fix or reset its price.

/admin → 🧩 Models lists every model (paginated) with its state and price; a tap switches it.
`/model_off ID`, `/model_on ID`, `/model_price ID RUBLES|reset` do the same by id. The router
these are registered on lets admin ids only; the service audits every change.
"""

from enum import StrEnum

from aiogram import Router
from aiogram.filters import Command, CommandObject
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder

from trt.bot import screens
from trt.bot.callbacks import AdminAction, AdminCb
from trt.bot.texts import Texts
from trt.domain.catalog import UnknownModel
from trt.domain.money import Kopecks, format_rub
from trt.domain.overrides import MAX_FIXED_PRICE, PriceRefusal
from trt.domain.payments import rubles_to_kopecks
from trt.services.model_overrides import ModelOverrides, ModelState, PriceRefused

PAGE_SIZE = 10
RESET = "reset"


class ModelsAction(StrEnum):
    PAGE = "p"
    TOGGLE = "t"  # model: the model id


class AdminModelsCb(CallbackData, prefix="am"):
    """A button of the models screen; handled only for admin ids."""

    action: ModelsAction
    page: int = 0
    model: str = ""


def menu_button(t: Texts) -> InlineKeyboardButton:
    """The /admin menu's entry to the models screen."""
    return InlineKeyboardButton(
        text=t("admin-btn-models"),
        callback_data=AdminModelsCb(action=ModelsAction.PAGE).pack(),
    )


def price_text(t: Texts, state: ModelState) -> str:
    if state.model.free:
        return t("admin-model-free")
    if state.fixed_price is not None:
        return t("admin-model-price-fixed", price=format_rub(state.fixed_price))
    if state.low == state.high:
        return format_rub(state.low)
    return t("admin-model-price-range", low=format_rub(state.low), high=format_rub(state.high))


def screen(t: Texts, states: list[ModelState], page: int) -> tuple[str, InlineKeyboardMarkup]:
    pages = max(1, -(-len(states) // PAGE_SIZE))
    page = min(max(page, 0), pages - 1)
    on = sum(state.enabled for state in states)
    text = t("admin-models-title", on=str(on), off=str(len(states) - on))
    if pages > 1:
        text += "\n" + t("page-of", page=page + 1, pages=pages)
    kb = InlineKeyboardBuilder()
    shown = states[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    for state in shown:
        key = "admin-model-line-on" if state.enabled else "admin-model-line-off"
        kb.button(
            text=t(key, model=state.model.id, price=price_text(t, state)),
            callback_data=AdminModelsCb(
                action=ModelsAction.TOGGLE, page=page, model=state.model.id
            ),
        )
    nav = 0
    if page > 0:
        kb.button(text=t("page-prev"), callback_data=_page(page - 1))
        nav += 1
    if page + 1 < pages:
        kb.button(text=t("page-next"), callback_data=_page(page + 1))
        nav += 1
    kb.button(text=t("admin-btn-back"), callback_data=AdminCb(action=AdminAction.MENU))
    kb.adjust(*([1] * len(shown)), *([nav] if nav else []), 1)
    return text, kb.as_markup()


def _page(page: int) -> AdminModelsCb:
    return AdminModelsCb(action=ModelsAction.PAGE, page=page)


def register_models(router: Router) -> None:
    """Add the models screen and commands to the admin router (admin ids only)."""

    @router.callback_query(AdminModelsCb.filter())
    async def models(
        query: CallbackQuery,
        callback_data: AdminModelsCb,
        t: Texts,
        model_overrides: ModelOverrides,
    ) -> None:
        if callback_data.action is ModelsAction.TOGGLE:
            state = await model_overrides.state(callback_data.model)
            await model_overrides.set_enabled(
                admin_id=query.from_user.id, model_id=state.model.id, enabled=not state.enabled
            )
        text, markup = screen(t, await model_overrides.states(), callback_data.page)
        await screens.show(query, text, markup)

    @router.message(Command("model_off", "model_on"))
    async def switch(
        message: Message, command: CommandObject, t: Texts, model_overrides: ModelOverrides
    ) -> None:
        model_id = (command.args or "").strip()
        if not model_id or message.from_user is None:
            await message.answer(t("admin-model-usage-switch"))
            return
        enabled = command.command == "model_on"
        try:
            await model_overrides.set_enabled(
                admin_id=message.from_user.id, model_id=model_id, enabled=enabled
            )
        except UnknownModel:
            await message.answer(t("admin-model-unknown", id=model_id))
            return
        done = "admin-model-on-done" if enabled else "admin-model-off-done"
        await message.answer(t(done, id=model_id))

    @router.message(Command("model_price"))
    async def price(
        message: Message, command: CommandObject, t: Texts, model_overrides: ModelOverrides
    ) -> None:
        parts = (command.args or "").split()
        reset = len(parts) == 2 and parts[1].lower() == RESET
        fixed = _kopecks(parts[1]) if len(parts) == 2 and not reset else None
        if (fixed is None and not reset) or message.from_user is None:
            await message.answer(t("admin-model-usage-price"))
            return
        answer = await _set_price(t, model_overrides, message.from_user.id, parts[0], fixed)
        await message.answer(answer)


async def _set_price(
    t: Texts, model_overrides: ModelOverrides, admin_id: int, model_id: str, fixed: Kopecks | None
) -> str:
    try:
        await model_overrides.set_price(admin_id=admin_id, model_id=model_id, price=fixed)
    except UnknownModel:
        return t("admin-model-unknown", id=model_id)
    except PriceRefused as refused:
        if refused.refusal is PriceRefusal.FREE_MODEL:
            return t("admin-model-price-free", id=model_id)
        return t("admin-model-price-limits", max=format_rub(MAX_FIXED_PRICE))
    if fixed is not None:
        return t("admin-model-price-done", id=model_id, price=format_rub(fixed))
    state = await model_overrides.state(model_id)
    return t("admin-model-price-reset", id=model_id, price=price_text(t, state))


def _kopecks(text: str) -> Kopecks | None:
    """Kopecks from "150" or "149.90"; None for anything else."""
    try:
        return rubles_to_kopecks(text)
    except ValueError:
        return None
