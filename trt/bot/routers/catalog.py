"""Browsing: sections -> paginated model lists with prices -> a model's card."""

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message

from trt.bot import keyboards, screens
from trt.bot.callbacks import ListCb, MenuCb, ModelCb
from trt.bot.keyboards import FREE_SECTION, POPULAR_SECTION, SEARCH_SECTION
from trt.bot.texts import Texts
from trt.domain.catalog import Catalog, Category, ModelSpec
from trt.domain.errors import StaleButtonError
from trt.domain.pricing import PricingPolicy

DEEP_LINK_MODEL = "m_"
SEARCH_QUERY_KEY = "search_query"
MAX_QUERY_LENGTH = 64


class SearchState(StatesGroup):
    query = State()


def section_models(
    catalog: Catalog, section: str, *, search_query: str | None = None
) -> list[ModelSpec] | None:
    """The models of a menu section, or None for a section that does not exist (any more)."""
    if section == FREE_SECTION:
        return list(catalog.free_models())
    if section == POPULAR_SECTION:
        return catalog.popular_models()
    if section == SEARCH_SECTION:
        return catalog.search(search_query) if search_query else None
    try:
        return list(catalog.models_in(Category(section)))
    except ValueError:
        return None


def list_screen(
    t: Texts,
    pricing: PricingPolicy,
    models: list[ModelSpec],
    *,
    section: str,
    page: int,
    query: str | None,
) -> tuple[str, InlineKeyboardMarkup]:
    """A page of a section's models with their prices, and its keyboard."""
    total = screens.pages(len(models))
    page = min(max(page, 0), total - 1)
    shown = models[page * screens.PAGE_SIZE : (page + 1) * screens.PAGE_SIZE]
    title = t(f"category-{section}", query=query or "")
    text = t("list-title", title=title, count=len(models))
    if total > 1:
        text += "\n" + t("page-of", page=page + 1, pages=total)
    items = [(screens.list_label(t, m, pricing), m.slug) for m in shown]
    return text, keyboards.model_list(t, section=section, page=page, pages=total, items=items)


def build_catalog_router(*, free_quota: int) -> Router:
    router = Router(name="catalog")

    @router.callback_query(ListCb.filter())
    async def model_list(
        query: CallbackQuery,
        *,
        callback_data: ListCb,
        state: FSMContext,
        t: Texts,
        catalog: Catalog,
        pricing: PricingPolicy,
    ) -> None:
        search_query = (await state.get_data()).get(SEARCH_QUERY_KEY)
        models = section_models(catalog, callback_data.section, search_query=search_query)
        if models is None:
            raise StaleButtonError(callback_data.section)
        text, markup = list_screen(
            t,
            pricing,
            models,
            section=callback_data.section,
            page=callback_data.page,
            query=search_query,
        )
        await screens.show(query, text, markup)

    @router.callback_query(MenuCb.filter(F.action == "search"))
    async def ask_search(query: CallbackQuery, state: FSMContext, t: Texts) -> None:
        await state.set_state(SearchState.query)
        await screens.show(query, t("search-prompt"), keyboards.back_to_menu(t))

    @router.message(SearchState.query, F.text)
    async def search(
        message: Message, state: FSMContext, t: Texts, catalog: Catalog, pricing: PricingPolicy
    ) -> None:
        text = (message.text or "").strip()[:MAX_QUERY_LENGTH]
        models = catalog.search(text)
        if not models:
            await message.answer(
                t("search-none", query=text), reply_markup=keyboards.back_to_menu(t)
            )
            return
        await state.set_state(None)
        await state.update_data({SEARCH_QUERY_KEY: text})
        screen, markup = list_screen(t, pricing, models, section=SEARCH_SECTION, page=0, query=text)
        await message.answer(screen, reply_markup=markup)

    @router.callback_query(ModelCb.filter())
    async def model_card(
        query: CallbackQuery,
        callback_data: ModelCb,
        t: Texts,
        catalog: Catalog,
        pricing: PricingPolicy,
    ) -> None:
        model = catalog.by_slug(callback_data.slug)
        text = screens.card_text(t, model, pricing, free_quota=free_quota)
        markup = keyboards.model_card(
            t, slug=model.slug, section=callback_data.section, page=callback_data.page
        )
        await screens.show(query, text, markup)

    @router.message(CommandStart(deep_link=True, magic=F.args.startswith(DEEP_LINK_MODEL)))
    async def deep_link_card(
        message: Message,
        command: CommandObject,
        t: Texts,
        catalog: Catalog,
        pricing: PricingPolicy,
    ) -> None:
        slug = (command.args or "")[len(DEEP_LINK_MODEL) :]
        model = catalog.by_slug(slug)
        text = screens.card_text(t, model, pricing, free_quota=free_quota)
        markup = keyboards.model_card(t, slug=model.slug, section=model.category.value, page=0)
        await message.answer(text, reply_markup=markup)

    return router
