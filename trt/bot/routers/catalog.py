"""Browsing: sections -> paginated model lists with prices -> a model's card."""

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import CallbackQuery, Message

from trt.bot import keyboards, screens
from trt.bot.callbacks import ListCb, ModelCb
from trt.bot.keyboards import FREE_SECTION
from trt.bot.texts import Texts
from trt.domain.catalog import Catalog, Category, ModelSpec
from trt.domain.errors import StaleButtonError
from trt.domain.pricing import PricingPolicy

DEEP_LINK_MODEL = "m_"


def section_models(catalog: Catalog, section: str) -> list[ModelSpec] | None:
    """The models of a menu section, or None for a section that does not exist (any more)."""
    if section == FREE_SECTION:
        return list(catalog.free_models())
    try:
        return list(catalog.models_in(Category(section)))
    except ValueError:
        return None


def build_catalog_router(*, free_quota: int) -> Router:
    router = Router(name="catalog")

    @router.callback_query(ListCb.filter())
    async def model_list(
        query: CallbackQuery,
        callback_data: ListCb,
        t: Texts,
        catalog: Catalog,
        pricing: PricingPolicy,
    ) -> None:
        models = section_models(catalog, callback_data.section)
        if models is None:
            raise StaleButtonError(callback_data.section)
        total = screens.pages(len(models))
        page = min(max(callback_data.page, 0), total - 1)
        shown = models[page * screens.PAGE_SIZE : (page + 1) * screens.PAGE_SIZE]
        title = t(f"category-{callback_data.section}")
        text = t("list-title", title=title, count=len(models))
        if total > 1:
            text += "\n" + t("page-of", page=page + 1, pages=total)
        items = [(screens.list_label(t, m, pricing), m.slug) for m in shown]
        markup = keyboards.model_list(
            t, section=callback_data.section, page=page, pages=total, items=items
        )
        await screens.show(query, text, markup)

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
