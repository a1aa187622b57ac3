"""Builds the Dispatcher: routers in order, middlewares, and the long-lived objects handlers
receive by parameter name (workflow data)."""

from aiogram import Dispatcher
from aiogram.fsm.storage.base import BaseStorage

from trt.bot.middlewares import ContextMiddleware
from trt.bot.routers.catalog import build_catalog_router
from trt.bot.routers.fallback import build_fallback_router, register_error_handlers
from trt.bot.routers.menu import build_menu_router
from trt.bot.texts import Translations
from trt.domain.catalog import Catalog
from trt.domain.pricing import PricingPolicy
from trt.services.accounts import Accounts


def build_dispatcher(
    *,
    storage: BaseStorage,
    accounts: Accounts,
    catalog: Catalog,
    pricing: PricingPolicy,
    translations: Translations,
    free_quota: int,
) -> Dispatcher:
    dp = Dispatcher(
        storage=storage,
        accounts=accounts,
        catalog=catalog,
        pricing=pricing,
        translations=translations,
    )
    dp.update.outer_middleware(ContextMiddleware(accounts=accounts, translations=translations))
    # Order matters: the first matching handler wins, and the fallback must come last.
    register_error_handlers(dp)
    dp.include_routers(
        build_catalog_router(free_quota=free_quota),
        build_menu_router(),
        build_fallback_router(),
    )
    return dp
