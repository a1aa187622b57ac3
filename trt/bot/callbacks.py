"""Typed button payloads (≤ 64 bytes each). A payload that no longer parses is a stale button."""

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class MenuCb(CallbackData, prefix="m"):
    action: str  # main | balance | help | lang | history | topup | promo | invite | payments


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


class HistoryCb(CallbackData, prefix="hi"):
    """A page of the user's past jobs, newest first (page 0)."""

    page: int = 0


class JobAction(StrEnum):
    OPEN = "o"  # the job's details (from the history)
    RESEND = "s"  # send the stored result files again
    REPEAT = "r"  # a new job with the same inputs
    EDIT = "e"  # the wizard's summary pre-filled with the job's inputs


class JobCb(CallbackData, prefix="jb"):
    """A button about one of the user's jobs; `page` leads Back to the history page."""

    action: JobAction
    job: int
    page: int = 0


class TopUpCb(CallbackData, prefix="tu"):
    """A Stars package on the top-up screen; `stars=0` asks for a custom amount."""

    stars: int


class CardCb(CallbackData, prefix="yk"):
    """A card / SBP top-up of `kopecks` (0 asks for an amount); `new_contact` asks for the
    receipt's email or phone again before paying."""

    kopecks: int
    new_contact: bool = False


class ManualAction(StrEnum):
    START = "go"  # the bank-transfer screen: preset amounts, or type one
    AMOUNT = "amt"  # arg: a preset amount in kopecks
    RECEIPT = "rcp"  # arg: order id; wait for that order's receipt again


class ManualCb(CallbackData, prefix="mt"):
    """A button of the user's manual bank-transfer flow."""

    action: ManualAction
    arg: int = 0


class ReviewCb(CallbackData, prefix="mr"):
    """An admin's decision on a manual transfer's receipt; checked against ADMIN_IDS again."""

    approve: bool
    order: int


class AdminAction(StrEnum):
    MENU = "menu"
    STATS = "st"  # arg: a stats period
    KIE = "kie"
    LOOKUP = "find"  # how to look a user up
    CARD = "card"  # arg: user id
    BAN = "ban"  # arg: user id
    UNBAN = "unban"  # arg: user id
    BROADCAST = "bc"  # how to start a broadcast
    SEND = "send"  # confirm the previewed broadcast
    DROP = "drop"  # cancel the previewed broadcast
    MANUAL = "mq"  # the manual top-up queue
    MANUAL_OPEN = "mqo"  # arg: order id; its receipt with the decision buttons


class AdminCb(CallbackData, prefix="ad"):
    """An admin-menu button; handled only for admin ids."""

    action: AdminAction
    arg: str = ""
