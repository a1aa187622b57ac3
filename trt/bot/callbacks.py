"""Typed button payloads (≤ 64 bytes each). A payload that no longer parses is a stale button."""

from enum import StrEnum

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


class GenerateCb(CallbackData, prefix="g"):
    """The card's "Generate" button; section and page lead Back to the same card."""

    slug: str
    section: str
    page: int = 0


class WizAction(StrEnum):
    SET = "set"  # a button value for the current step (enum: option index)
    PAGE = "pg"  # another page of a long option list
    DONE = "done"  # finish collecting files
    RESET = "rst"  # an optional field back to its default
    EDIT = "edit"  # open a field's step from the summary
    CONFIRM = "ok"
    SUMMARY = "sum"  # show the summary again (after a refusal)
    BACK = "back"
    CANCEL = "x"


class WizCb(CallbackData, prefix="w"):
    """A wizard button. `sid` names the wizard session, `field` the step it belongs to."""

    sid: str
    action: WizAction
    field: str = ""
    arg: str = ""
