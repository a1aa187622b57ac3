"""Typed button payloads (≤ 64 bytes each). A payload that no longer parses is a stale button."""

from aiogram.filters.callback_data import CallbackData


class MenuCb(CallbackData, prefix="m"):
    action: str  # main | balance | help | lang


class ListCb(CallbackData, prefix="c"):
    section: str  # a catalog category, or "free"
    page: int = 0


class ModelCb(CallbackData, prefix="mo"):
    slug: str
    section: str
    page: int = 0


class LangCb(CallbackData, prefix="l"):
    code: str
