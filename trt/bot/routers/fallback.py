"""Never a silent bot: stale buttons, unexpected messages and errors all get an answer."""

import structlog
from aiogram import Router
from aiogram.filters import ExceptionTypeFilter
from aiogram.types import CallbackQuery, ErrorEvent, Message, User

from trt.bot import keyboards
from trt.bot.texts import Texts, Translations, language_for
from trt.domain.catalog import Catalog
from trt.domain.errors import TrtError

log = structlog.get_logger(__name__)


def build_fallback_router() -> Router:
    """Include last: it catches whatever no feature router handled."""
    router = Router(name="fallback")

    @router.callback_query()
    async def stale_button(query: CallbackQuery, t: Texts, catalog: Catalog) -> None:
        await query.answer(t("stale-button"))
        if query.message is not None:
            await query.bot.send_message(  # type: ignore[union-attr]
                query.from_user.id,
                t("stale-button"),
                reply_markup=keyboards.main_menu(t, list(catalog.categories())),
            )

    @router.message()
    async def unknown_message(message: Message, t: Texts) -> None:
        await message.answer(t("unknown-text"), reply_markup=keyboards.back_to_menu(t))

    return router


def register_error_handlers(router: Router) -> None:
    """Attach to the Dispatcher itself: only there do errors of every router arrive."""

    @router.errors(ExceptionTypeFilter(TrtError))
    async def business_error(
        event: ErrorEvent,
        catalog: Catalog,
        translations: Translations,
        event_from_user: User | None = None,
        t: Texts | None = None,
    ) -> None:
        error = event.exception
        assert isinstance(error, TrtError)
        log.info("bot.refused", error=type(error).__name__)
        t = t or _texts_for(translations, event_from_user)
        await _reply(
            event, t(error.message_key), keyboards.main_menu(t, list(catalog.categories()))
        )

    @router.errors()
    async def unexpected_error(
        event: ErrorEvent,
        translations: Translations,
        event_from_user: User | None = None,
        t: Texts | None = None,
    ) -> None:
        log.error("bot.handler_failed", exc_info=event.exception)
        # `t` is missing when the failure came before the context was loaded (database down).
        t = t or _texts_for(translations, event_from_user)
        await _reply(event, t("error-generic"), keyboards.back_to_menu(t))


def _texts_for(translations: Translations, user: User | None) -> Texts:
    return translations[language_for(user.language_code if user is not None else None)]


async def _reply(event: ErrorEvent, text: str, markup: object) -> None:
    update = event.update
    if update.callback_query is not None:
        query = update.callback_query
        await query.answer()
        await query.bot.send_message(query.from_user.id, text, reply_markup=markup)  # type: ignore[union-attr,arg-type]
    elif update.message is not None:
        await update.message.answer(text, reply_markup=markup)  # type: ignore[arg-type]
