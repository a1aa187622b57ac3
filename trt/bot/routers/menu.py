"""/start, the main menu, help, language and balance."""

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message

from trt.bot import keyboards, screens
from trt.bot.callbacks import LangCb, MenuCb
from trt.bot.texts import LANGUAGES, Texts, Translations
from trt.domain.catalog import Catalog
from trt.domain.payments import referral_inviter
from trt.services.accounts import Account, Accounts
from trt.services.referrals import Referrals


def build_menu_router() -> Router:
    router = Router(name="menu")

    @router.message(CommandStart())
    async def start(
        message: Message,
        *,
        command: CommandObject,
        state: FSMContext,
        t: Texts,
        catalog: Catalog,
        account: Account,
        referrals: Referrals | None = None,
    ) -> None:
        await state.clear()
        inviter = referral_inviter(command.args)  # /start ref_<id>: a new user's inviter
        if inviter is not None and referrals is not None:
            await referrals.link(user_id=account.user_id, inviter_id=inviter)
        name = message.from_user.first_name if message.from_user else ""
        await message.answer(
            t("start-greeting", name=name),
            reply_markup=keyboards.main_menu(t, list(catalog.categories())),
        )

    @router.message(Command("cancel"))
    async def cancel(message: Message, state: FSMContext, t: Texts, catalog: Catalog) -> None:
        await state.clear()
        await message.answer(
            t("cancelled"), reply_markup=keyboards.main_menu(t, list(catalog.categories()))
        )

    @router.callback_query(MenuCb.filter(F.action == "main"))
    async def main_menu(
        query: CallbackQuery, state: FSMContext, t: Texts, catalog: Catalog
    ) -> None:
        await state.clear()  # leaving for the menu ends any wizard in progress
        await screens.show(
            query, t("menu-title"), keyboards.main_menu(t, list(catalog.categories()))
        )

    @router.message(Command("help"))
    async def help_command(message: Message, t: Texts) -> None:
        await message.answer(t("help-text"), reply_markup=keyboards.back_to_menu(t))

    @router.callback_query(MenuCb.filter(F.action == "help"))
    async def help_button(query: CallbackQuery, t: Texts) -> None:
        await screens.show(query, t("help-text"), keyboards.back_to_menu(t))

    @router.message(Command("lang"))
    async def lang_command(message: Message, t: Texts) -> None:
        await message.answer(t("language-choose"), reply_markup=keyboards.languages(t))

    @router.callback_query(MenuCb.filter(F.action == "lang"))
    async def lang_button(query: CallbackQuery, t: Texts) -> None:
        await screens.show(query, t("language-choose"), keyboards.languages(t))

    @router.callback_query(LangCb.filter(F.code.in_(LANGUAGES)))
    async def set_language(
        query: CallbackQuery,
        *,
        callback_data: LangCb,
        account: Account,
        accounts: Accounts,
        translations: Translations,
        catalog: Catalog,
    ) -> None:
        await accounts.set_language(user_id=account.user_id, language=callback_data.code)
        t = translations[callback_data.code]
        await screens.show(
            query, t("language-set"), keyboards.main_menu(t, list(catalog.categories()))
        )

    @router.message(Command("balance"))
    async def balance_command(
        message: Message, t: Texts, account: Account, accounts: Accounts
    ) -> None:
        text = await screens.balance_text(t, accounts, account.user_id)
        await message.answer(text, reply_markup=keyboards.balance_actions(t))

    @router.callback_query(MenuCb.filter(F.action == "balance"))
    async def balance_button(
        query: CallbackQuery, t: Texts, account: Account, accounts: Accounts
    ) -> None:
        text = await screens.balance_text(t, accounts, account.user_id)
        await screens.show(query, text, keyboards.balance_actions(t))

    return router
