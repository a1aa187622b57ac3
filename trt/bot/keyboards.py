"""Inline keyboards built from domain objects; every label comes from the locale files."""

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from trt.bot.callbacks import GenerateCb, LangCb, ListCb, MenuCb, ModelCb
from trt.bot.texts import LANGUAGES, Texts
from trt.domain.catalog import Category

FREE_SECTION = "free"


def main_menu(t: Texts, categories: list[Category]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("menu-free"), callback_data=ListCb(section=FREE_SECTION))
    for category in categories:
        kb.button(
            text=t(f"category-{category.value}"), callback_data=ListCb(section=category.value)
        )
    kb.button(text=t("menu-balance"), callback_data=MenuCb(action="balance"))
    kb.button(text=t("menu-help"), callback_data=MenuCb(action="help"))
    kb.button(text=t("menu-language"), callback_data=MenuCb(action="lang"))
    kb.adjust(1, 2)
    return kb.as_markup()


def model_list(
    t: Texts, *, section: str, page: int, pages: int, items: list[tuple[str, str]]
) -> InlineKeyboardMarkup:
    """`items` are (label, slug) pairs of the models on this page."""
    kb = InlineKeyboardBuilder()
    for label, slug in items:
        kb.button(text=label, callback_data=ModelCb(slug=slug, section=section, page=page))
    nav = 0
    if page > 0:
        kb.button(text=t("page-prev"), callback_data=ListCb(section=section, page=page - 1))
        nav += 1
    if page + 1 < pages:
        kb.button(text=t("page-next"), callback_data=ListCb(section=section, page=page + 1))
        nav += 1
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(*([1] * len(items)), *([nav] if nav else []), 1)
    return kb.as_markup()


def model_card(t: Texts, *, slug: str, section: str, page: int) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(
        text=t("card-generate"), callback_data=GenerateCb(slug=slug, section=section, page=page)
    )
    kb.button(text=t("menu-back"), callback_data=ListCb(section=section, page=page))
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(1, 2)
    return kb.as_markup()


def back_to_menu(t: Texts) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    return kb.as_markup()


def languages(t: Texts) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    for code in LANGUAGES:
        kb.button(
            text={"ru": "Русский 🇷🇺", "en": "English 🇬🇧"}[code], callback_data=LangCb(code=code)
        )
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(2, 1)
    return kb.as_markup()
