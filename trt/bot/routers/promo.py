"""Promo codes: `/promo CODE` or the balance screen's button for users, `/promo_new` for admins.

Include it before the wizard router, like the payments router.
"""

from aiogram import F, Router
from aiogram.filters import Command, CommandObject
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message

from trt.bot import keyboards, screens
from trt.bot.callbacks import MenuCb
from trt.bot.texts import Texts
from trt.domain.money import format_rub
from trt.domain.payments import PromoRefusal, parse_promo_spec
from trt.services.accounts import Account
from trt.services.promo import Promos, Redemption


class PromoStates(StatesGroup):
    code = State()


def build_promo_router(*, admin_ids: frozenset[int]) -> Router:
    router = Router(name="promo")

    @router.message(Command("promo"))
    async def promo_command(
        message: Message,
        *,
        command: CommandObject,
        state: FSMContext,
        t: Texts,
        account: Account,
        promos: Promos,
    ) -> None:
        if not command.args:
            await state.set_state(PromoStates.code)
            await message.answer(t("promo-ask"), reply_markup=keyboards.back_and_menu(t))
            return
        redemption = await promos.redeem(user_id=account.user_id, raw_code=command.args)
        await message.answer(redemption_text(t, redemption))

    @router.callback_query(MenuCb.filter(F.action == "promo"))
    async def promo_button(query: CallbackQuery, state: FSMContext, t: Texts) -> None:
        await state.set_state(PromoStates.code)
        await screens.show(query, t("promo-ask"), keyboards.back_and_menu(t))

    @router.message(PromoStates.code, F.text, ~F.text.startswith("/"))
    async def promo_typed(
        message: Message, state: FSMContext, t: Texts, account: Account, promos: Promos
    ) -> None:
        redemption = await promos.redeem(user_id=account.user_id, raw_code=message.text or "")
        if redemption.refusal is not PromoRefusal.INVALID:
            await state.set_state(None)
        await message.answer(redemption_text(t, redemption))

    @router.message(Command("promo_new"), F.from_user.id.in_(admin_ids))
    async def promo_new(
        message: Message, command: CommandObject, t: Texts, account: Account, promos: Promos
    ) -> None:
        spec = parse_promo_spec(command.args)
        if spec is None:
            await message.answer(t("promo-new-usage"))
            return
        created = await promos.create(spec=spec, admin_id=account.user_id)
        if created is None:
            await message.answer(t("promo-new-exists", code=spec.code))
            return
        amount = format_rub(created.amount)
        if created.expires_at is None:
            text = t(
                "promo-new-done-forever", code=created.code, amount=amount, uses=created.max_uses
            )
        else:
            until = created.expires_at.strftime("%d.%m.%Y %H:%M UTC")
            text = t(
                "promo-new-done",
                code=created.code,
                amount=amount,
                uses=created.max_uses,
                until=until,
            )
        await message.answer(text)

    return router


def redemption_text(t: Texts, redemption: Redemption) -> str:
    if redemption.refusal is not None:
        return t(f"promo-{redemption.refusal.value}")
    return t(
        "promo-done",
        code=redemption.code,
        amount=format_rub(redemption.amount),
        balance=format_rub(redemption.balance),
    )
