"""The operator's tools, for admin ids only: /admin (statistics, user lookup, KIE balance,
broadcast), /user, /adjust, /broadcast. Anyone else falls through to the unknown-text answer."""

from dataclasses import dataclass
from decimal import Decimal

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from trt.bot import screens
from trt.bot.admin import keyboards, views
from trt.bot.admin.manual_queue import register_manual_queue
from trt.bot.admin.models import register_models
from trt.bot.callbacks import AdminAction, AdminCb
from trt.bot.texts import Texts
from trt.domain.errors import InsufficientFunds, UnknownUser
from trt.domain.money import format_rub
from trt.domain.payments import rubles_to_kopecks
from trt.services.admin import AdminTools
from trt.services.broadcast import Broadcasts
from trt.services.stats import Period, Stats


@dataclass(frozen=True)
class Operator:
    """The admin services and who may use them."""

    tools: AdminTools
    stats: Stats
    broadcasts: Broadcasts
    admin_ids: frozenset[int]
    kie_low_credits: Decimal


class BroadcastStates(StatesGroup):
    message = State()
    confirm = State()


def build_admin_router(operator: Operator) -> Router:
    router = Router(name="admin")
    is_admin = F.from_user.id.in_(operator.admin_ids)
    router.message.filter(is_admin)
    router.callback_query.filter(is_admin)
    _register_menu(router, operator)
    _register_users(router, operator)
    _register_broadcast(router, operator)
    register_manual_queue(router)
    register_models(router)
    return router


def _register_menu(router: Router, operator: Operator) -> None:
    @router.message(Command("admin"))
    async def admin_menu(message: Message, state: FSMContext, t: Texts) -> None:
        await state.clear()
        await message.answer(t("admin-title"), reply_markup=keyboards.menu(t))

    @router.callback_query(AdminCb.filter(F.action == AdminAction.MENU))
    async def back(query: CallbackQuery, state: FSMContext, t: Texts) -> None:
        await state.clear()
        await screens.show(query, t("admin-title"), keyboards.menu(t))

    @router.callback_query(AdminCb.filter(F.action == AdminAction.STATS))
    async def stats(query: CallbackQuery, callback_data: AdminCb, t: Texts) -> None:
        report = await operator.stats.report(Period(callback_data.arg))
        await operator.tools.record(
            admin_id=query.from_user.id, action="stats", target=callback_data.arg
        )
        await screens.show(query, views.stats(t, report), keyboards.menu(t))

    @router.callback_query(AdminCb.filter(F.action == AdminAction.KIE))
    async def kie(query: CallbackQuery, t: Texts) -> None:
        credits = await operator.tools.kie_credits()
        await screens.show(
            query, views.kie(t, credits, operator.kie_low_credits), keyboards.back(t)
        )

    @router.callback_query(AdminCb.filter(F.action == AdminAction.LOOKUP))
    async def lookup_help(query: CallbackQuery, t: Texts) -> None:
        await screens.show(query, t("admin-lookup-help"), keyboards.back(t))


def _register_users(router: Router, operator: Operator) -> None:
    tools = operator.tools

    @router.message(Command("user"))
    async def user(message: Message, command: CommandObject, t: Texts) -> None:
        user_id = await tools.resolve(command.args or "") if command.args else None
        found = await tools.card(user_id) if user_id is not None else None
        if found is None:
            await message.answer(t("admin-user-not-found", ref=command.args or ""))
            return
        assert message.from_user is not None
        await tools.record(admin_id=message.from_user.id, action="lookup", target=str(user_id))
        await message.answer(
            views.card(t, found),
            reply_markup=keyboards.user_card(t, found.profile.id, banned=found.profile.is_banned),
        )

    @router.message(Command("adjust"))
    async def adjust(message: Message, command: CommandObject, t: Texts) -> None:
        parts = (command.args or "").split(maxsplit=2)
        amount = _signed_kopecks(parts[1]) if len(parts) == 3 else None
        if amount is None or not amount:
            await message.answer(t("admin-adjust-usage"))
            return
        user_id = await tools.resolve(parts[0])
        if user_id is None:
            await message.answer(t("admin-user-not-found", ref=parts[0]))
            return
        assert message.from_user is not None
        try:
            done = await tools.adjust(
                admin_id=message.from_user.id,
                message_id=message.message_id,
                user_id=user_id,
                amount=amount,
                reason=parts[2],
            )
        except InsufficientFunds:
            await message.answer(t("admin-adjust-too-much"))
            return
        await message.answer(
            t(
                "admin-adjust-done",
                id=str(user_id),
                amount=format_rub(done.amount),
                balance=format_rub(done.available),
            )
        )

    @router.callback_query(AdminCb.filter(F.action.in_({AdminAction.BAN, AdminAction.UNBAN})))
    async def ban(query: CallbackQuery, callback_data: AdminCb, t: Texts) -> None:
        user_id = int(callback_data.arg)
        try:
            await tools.set_banned(
                admin_id=query.from_user.id,
                user_id=user_id,
                banned=callback_data.action is AdminAction.BAN,
            )
        except UnknownUser:
            await query.answer(t("admin-user-not-found", ref=str(user_id)))
            return
        found = await tools.card(user_id)
        assert found is not None
        await screens.show(
            query,
            views.card(t, found),
            keyboards.user_card(t, user_id, banned=found.profile.is_banned),
        )


def _signed_kopecks(text: str) -> int | None:
    try:
        return int(rubles_to_kopecks(text.removeprefix("+")))
    except ValueError:
        return None


def _register_broadcast(router: Router, operator: Operator) -> None:
    async def ask(message: Message, state: FSMContext, t: Texts) -> None:
        await state.set_state(BroadcastStates.message)
        await message.answer(t("admin-broadcast-ask"))

    @router.message(Command("broadcast"))
    async def broadcast(message: Message, state: FSMContext, t: Texts) -> None:
        await ask(message, state, t)

    @router.callback_query(AdminCb.filter(F.action == AdminAction.BROADCAST))
    async def broadcast_button(query: CallbackQuery, state: FSMContext, t: Texts) -> None:
        await query.answer()
        if isinstance(query.message, Message):
            await ask(query.message, state, t)

    @router.message(BroadcastStates.message, F.photo | (F.text & ~F.text.startswith("/")))
    async def preview(message: Message, state: FSMContext, t: Texts) -> None:
        photo = message.photo[-1].file_id if message.photo else None
        text = message.caption if photo is not None else message.text
        await state.update_data(text=text, photo=photo)
        await state.set_state(BroadcastStates.confirm)
        await message.answer(t("admin-broadcast-preview"))
        if photo is not None:
            await message.answer_photo(
                photo, caption=text, reply_markup=keyboards.confirm_broadcast(t)
            )
        else:
            await message.answer(text or "", reply_markup=keyboards.confirm_broadcast(t))

    @router.callback_query(BroadcastStates.confirm, AdminCb.filter(F.action == AdminAction.SEND))
    async def send(query: CallbackQuery, state: FSMContext, t: Texts) -> None:
        data = await state.get_data()
        await state.clear()
        started = await operator.broadcasts.start(
            admin_id=query.from_user.id,
            language=t.language,
            text=data.get("text"),
            photo_file_id=data.get("photo"),
        )
        await query.answer()
        await query.bot.send_message(  # type: ignore[union-attr]
            query.from_user.id,
            t("admin-broadcast-started", id=str(started.id), total=str(started.total)),
        )

    @router.callback_query(AdminCb.filter(F.action == AdminAction.DROP))
    async def drop(query: CallbackQuery, state: FSMContext, t: Texts) -> None:
        await state.clear()
        await query.answer()
        await query.bot.send_message(query.from_user.id, t("admin-broadcast-dropped"))  # type: ignore[union-attr]
