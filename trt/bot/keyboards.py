"""Inline keyboards built from domain objects; every label comes from the locale files."""

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from trt.bot.callbacks import (
    GenerateCb,
    HistoryCb,
    JobAction,
    JobCb,
    LangCb,
    ListCb,
    MenuCb,
    ModelCb,
    TopUpCb,
)
from trt.bot.texts import LANGUAGES, Texts
from trt.domain.catalog import Category
from trt.domain.money import format_rub
from trt.domain.payments import StarsPackage

FREE_SECTION = "free"
POPULAR_SECTION = "popular"
SEARCH_SECTION = "search"


def main_menu(t: Texts, categories: list[Category]) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    kb.button(text=t("menu-free"), callback_data=ListCb(section=FREE_SECTION))
    kb.button(text=t("menu-popular"), callback_data=ListCb(section=POPULAR_SECTION))
    kb.button(text=t("menu-search"), callback_data=MenuCb(action="search"))
    for category in categories:
        kb.button(
            text=t(f"category-{category.value}"), callback_data=ListCb(section=category.value)
        )
    kb.button(text=t("menu-history"), callback_data=MenuCb(action="history"))
    kb.button(text=t("menu-topup"), callback_data=MenuCb(action="topup"))
    kb.button(text=t("menu-balance"), callback_data=MenuCb(action="balance"))
    kb.button(text=t("menu-help"), callback_data=MenuCb(action="help"))
    kb.button(text=t("menu-language"), callback_data=MenuCb(action="lang"))
    kb.adjust(2, 1, 2)
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
        kb.button(text=t(f"language-name-{code}"), callback_data=LangCb(code=code))
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(2, 1)
    return kb.as_markup()


def _repeat_and_edit(kb: InlineKeyboardBuilder, t: Texts, *, job_id: int, page: int) -> None:
    kb.button(
        text=t("job-repeat"), callback_data=JobCb(action=JobAction.REPEAT, job=job_id, page=page)
    )
    kb.button(text=t("job-edit"), callback_data=JobCb(action=JobAction.EDIT, job=job_id, page=page))


def result_actions(t: Texts, *, job_id: int) -> InlineKeyboardMarkup:
    """Under a delivered result: repeat the job, change its inputs, or go to the menu."""
    kb = InlineKeyboardBuilder()
    _repeat_and_edit(kb, t, job_id=job_id, page=0)
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(2, 1)
    return kb.as_markup()


def repeat_refused(t: Texts, *, job_id: int) -> InlineKeyboardMarkup:
    """Under "not enough money" for a repeat: the balance, and the same actions again."""
    kb = InlineKeyboardBuilder()
    kb.button(text=t("menu-topup"), callback_data=MenuCb(action="topup"))
    _repeat_and_edit(kb, t, job_id=job_id, page=0)
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(1, 2, 1)
    return kb.as_markup()


def change_inputs(t: Texts, *, job_id: int) -> InlineKeyboardMarkup:
    """When a job's inputs no longer fit its model: change them, or go to the menu."""
    kb = InlineKeyboardBuilder()
    kb.button(text=t("job-edit"), callback_data=JobCb(action=JobAction.EDIT, job=job_id))
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(1)
    return kb.as_markup()


def history_page(
    t: Texts, *, page: int, has_next: bool, items: list[tuple[str, int]]
) -> InlineKeyboardMarkup:
    """`items` are (label, job id) pairs of the jobs on this page."""
    kb = InlineKeyboardBuilder()
    for label, job_id in items:
        kb.button(text=label, callback_data=JobCb(action=JobAction.OPEN, job=job_id, page=page))
    if page > 0:
        kb.button(text=t("page-prev"), callback_data=HistoryCb(page=page - 1))
    if has_next:
        kb.button(text=t("page-next"), callback_data=HistoryCb(page=page + 1))
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    nav = (page > 0) + has_next
    kb.adjust(*([1] * len(items)), *([nav] if nav else []), 1)
    return kb.as_markup()


def job_details(t: Texts, *, job_id: int, page: int, resend: bool) -> InlineKeyboardMarkup:
    """A past job: send its result again (when it has one), repeat, change inputs, back."""
    kb = InlineKeyboardBuilder()
    if resend:
        resend_cb = JobCb(action=JobAction.RESEND, job=job_id, page=page)
        kb.button(text=t("job-resend"), callback_data=resend_cb)
    _repeat_and_edit(kb, t, job_id=job_id, page=page)
    kb.button(text=t("menu-back"), callback_data=HistoryCb(page=page))
    kb.adjust(*([1] if resend else []), 2, 1)
    return kb.as_markup()


def balance_actions(t: Texts) -> InlineKeyboardMarkup:
    """Under the balance: top up, a promo code, invite friends, payments, the menu."""
    kb = InlineKeyboardBuilder()
    kb.button(text=t("menu-topup"), callback_data=MenuCb(action="topup"))
    kb.button(text=t("balance-promo"), callback_data=MenuCb(action="promo"))
    kb.button(text=t("balance-invite"), callback_data=MenuCb(action="invite"))
    kb.button(text=t("balance-payments"), callback_data=MenuCb(action="payments"))
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(1, 2, 1, 1)
    return kb.as_markup()


def topup_packages(
    t: Texts, packages: tuple[StarsPackage, ...], *, card: bool = False
) -> InlineKeyboardMarkup:
    """One button per Stars package, then a custom amount, card / SBP when YooKassa is on,
    then back to the balance."""
    kb = InlineKeyboardBuilder()
    for package in packages:
        kb.button(
            text=t("topup-package", stars=package.stars, rub=format_rub(package.kopecks)),
            callback_data=TopUpCb(stars=package.stars),
        )
    kb.button(text=t("topup-custom"), callback_data=TopUpCb(stars=0))
    if card:
        kb.button(text=t("topup-card"), callback_data=MenuCb(action="card"))
    kb.button(text=t("menu-back"), callback_data=MenuCb(action="balance"))
    kb.adjust(1)
    return kb.as_markup()


def back_and_menu(t: Texts, *, back: str = "balance") -> InlineKeyboardMarkup:
    """Back to the screen named by the `MenuCb` action `back`, or to the main menu."""
    kb = InlineKeyboardBuilder()
    kb.button(text=t("menu-back"), callback_data=MenuCb(action=back))
    kb.button(text=t("menu-main"), callback_data=MenuCb(action="main"))
    kb.adjust(2)
    return kb.as_markup()
