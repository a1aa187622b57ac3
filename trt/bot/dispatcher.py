"""Builds the Dispatcher: routers in order, middlewares, and the long-lived objects handlers
receive by parameter name (workflow data)."""

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage

from trt.bot.middlewares import ContextMiddleware, DuplicateUpdateFilter
from trt.bot.routers.catalog import build_catalog_router
from trt.bot.routers.fallback import build_fallback_router, register_error_handlers
from trt.bot.routers.menu import build_menu_router
from trt.bot.texts import Translations
from trt.bot.wizard.router import build_wizard_router
from trt.domain.catalog import Catalog
from trt.domain.pricing import PricingPolicy
from trt.services.accounts import Accounts
from trt.services.generation import Generation
from trt.services.update_log import UpdateLog


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
    if update_log is not None:
        dp.update.outer_middleware(DuplicateUpdateFilter(update_log=update_log))
    dp.update.outer_middleware(ContextMiddleware(accounts=accounts, translations=translations))
    # Order matters: the first matching handler wins, and the fallback must come last.
    register_error_handlers(dp)
    dp.include_routers(
        build_catalog_router(free_quota=free_quota),
        build_menu_router(),
        build_wizard_router(free_quota=free_quota),
        build_fallback_router(),
    )
    return dp
