"""Builds the Dispatcher: routers in order, middlewares, and the long-lived objects handlers
receive by parameter name (workflow data)."""

from dataclasses import dataclass

from aiogram import Dispatcher, Router
from aiogram.fsm.storage.base import BaseStorage

from trt.bot.admin.router import Operator, build_admin_router
from trt.bot.middlewares import (
    ContextMiddleware,
    DuplicateUpdateFilter,
    OfferMiddleware,
    Throttling,
    TokenBuckets,
)
from trt.bot.routers.card_topup import build_card_topup_router
from trt.bot.routers.catalog import build_catalog_router
from trt.bot.routers.fallback import build_fallback_router, register_error_handlers
from trt.bot.routers.history import build_history_router
from trt.bot.routers.manual_topup import build_manual_topup_router
from trt.bot.routers.menu import build_menu_router
from trt.bot.routers.payments import build_payments_router
from trt.bot.routers.promo import build_promo_router
from trt.bot.routers.results import build_results_router
from trt.bot.texts import Translations
from trt.bot.wizard.router import build_wizard_router
from trt.domain.catalog import Catalog
from trt.domain.pricing import PricingPolicy
from trt.services.accounts import Accounts
from trt.services.generation import Generation
from trt.services.history import HistoryService
from trt.services.manual_topups import ManualTopUps
from trt.services.model_overrides import ModelOverrides
from trt.services.payments import Payments
from trt.services.promo import Promos
from trt.services.referrals import Referrals
from trt.services.update_log import UpdateLog
from trt.services.yookassa_payments import CardPayments

# Per user and process: a burst of up to 20 updates passes (someone tapping quickly through
# a few screens, or a test client that waits for each answer), a stream above 5 a second does not.
THROTTLE_RATE = 5.0
THROTTLE_BURST = 20


@dataclass(frozen=True)
class MoneyIn:
    """The money-in services and who may run the admin commands (/refund, /promo_new)."""

    payments: Payments
    promos: Promos
    referrals: Referrals
    manual: ManualTopUps  # bank transfers; its offer says whether users may start new ones
    admin_ids: frozenset[int]
    card: CardPayments | None = None  # card / SBP through YooKassa, when configured


def _money_in_routers(money_in: MoneyIn) -> tuple[Router, ...]:
    # Before the wizard: a payment's service message must not be taken for a wizard's input.
    return (
        build_payments_router(admin_ids=money_in.admin_ids),
        build_promo_router(admin_ids=money_in.admin_ids),
        build_manual_topup_router(),
        *((build_card_topup_router(),) if money_in.card is not None else ()),
    )


def build_dispatcher(
    *,
    storage: BaseStorage,
    accounts: Accounts,
    catalog: Catalog,
    pricing: PricingPolicy,
    translations: Translations,
    free_quota: int,
    generation: Generation | None = None,
    update_log: UpdateLog | None = None,
    history: HistoryService | None = None,
    money_in: MoneyIn | None = None,
    operator: Operator | None = None,
    overrides: ModelOverrides | None = None,
) -> Dispatcher:
    dp = Dispatcher(
        storage=storage,
        accounts=accounts,
        catalog=catalog,
        pricing=pricing,
        translations=translations,
    )
    if generation is not None:  # optional only until every caller passes it; the wizard needs it
        dp["generation"] = generation
    if history is not None:  # the history and result buttons need it
        dp["history"] = history
    if money_in is not None:  # top-ups, refunds, referrals and promo codes
        dp["payments"] = money_in.payments
        dp["promos"] = money_in.promos
        dp["referrals"] = money_in.referrals
        dp["manual_topups"] = money_in.manual
        if money_in.card is not None:
            dp["card_payments"] = money_in.card
    # Outer middlewares run in this order; throttling first, before any database work.
    buckets = TokenBuckets(rate=THROTTLE_RATE, burst=THROTTLE_BURST)
    dp.update.outer_middleware(Throttling(translations=translations, buckets=buckets))
    if update_log is not None:
        dp.update.outer_middleware(DuplicateUpdateFilter(update_log=update_log))
    dp.update.outer_middleware(ContextMiddleware(accounts=accounts, translations=translations))
    if overrides is not None:  # models switched off or repriced by an operator
        dp["model_overrides"] = overrides
        dp.update.outer_middleware(OfferMiddleware(overrides=overrides))
    # Order matters: the first matching handler wins, and the fallback must come last.
    register_error_handlers(dp)
    dp.include_routers(
        build_catalog_router(free_quota=free_quota),
        build_menu_router(),
        # Admin ids only; before the wizard, so a broadcast's message is not a wizard's input.
        *((build_admin_router(operator),) if operator is not None else ()),
        *(_money_in_routers(money_in) if money_in is not None else ()),
        build_history_router(),
        build_results_router(free_quota=free_quota),
        build_wizard_router(free_quota=free_quota),
        build_fallback_router(),
    )
    return dp
