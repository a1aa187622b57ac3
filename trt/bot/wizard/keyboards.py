"""The wizard's inline keyboards. Every button carries the session id, and a step's buttons
the field they answer, so a button from an older screen is recognised as stale."""

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.keyboard import InlineKeyboardBuilder

from trt.bot.callbacks import MenuCb, WizAction, WizCb
from trt.bot.texts import Texts
from trt.bot.wizard.render import field_label
from trt.bot.wizard.state import WizardData, number_choices
from trt.domain.catalog import FieldType, InputField, ModelSpec

OPTIONS_PER_PAGE = 12


def _columns(labels: list[str]) -> int:
    longest = max((len(label) for label in labels), default=0)
    return 4 if longest <= 6 else 2 if longest <= 16 else 1


def _choices(t: Texts, field: InputField) -> list[tuple[str, str]]:
    """(label, button argument) pairs; an enum option is named by its index (values may hold
    the callback separator, as in "16:9")."""
    if field.type is FieldType.ENUM:
        return [(option.label(t.language), str(i)) for i, option in enumerate(field.options)]
    if field.type is FieldType.BOOL:
        return [(t("wiz-yes"), "true"), (t("wiz-no"), "false")]
    return [(value, value) for value in number_choices(field) or ()]


def step(
    t: Texts, *, sid: str, field: InputField, page: int, resettable: bool, files: int | None
) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    choices = _choices(t, field)
    pages = max(1, -(-len(choices) // OPTIONS_PER_PAGE))
    page = min(max(page, 0), pages - 1)
    shown = choices[page * OPTIONS_PER_PAGE : (page + 1) * OPTIONS_PER_PAGE]

    def button(text: str, action: WizAction, arg: str = "") -> None:
        kb.button(text=text, callback_data=WizCb(sid=sid, action=action, field=field.name, arg=arg))

    for label, arg in shown:
        button(label, WizAction.SET, arg)
    columns = _columns([label for label, _ in shown])
    full, rest = divmod(len(shown), columns)
    rows = [columns] * full + ([rest] if rest else [])
    nav = [(page > 0, t("page-prev"), page - 1), (page + 1 < pages, t("page-next"), page + 1)]
    for visible, text, target in nav:
        if visible:
            button(text, WizAction.PAGE, str(target))
    rows.append(sum(1 for visible, _, _ in nav if visible))
    if files is not None and files >= field.min_count:
        button(t("wiz-files-done", count=files), WizAction.DONE)
        rows.append(1)
    if resettable:
        button(t("wiz-reset"), WizAction.RESET)
        rows.append(1)
    button(t("wiz-back"), WizAction.BACK)
    button(t("wiz-cancel"), WizAction.CANCEL)
    kb.adjust(*[row for row in rows if row], 2)
    return kb.as_markup()


def summary(t: Texts, *, data: WizardData, model: ModelSpec) -> InlineKeyboardMarkup:
    kb = InlineKeyboardBuilder()
    sid = data.sid
    for field in model.fields:
        label = t("wiz-edit", name=field_label(t, field))
        kb.button(text=label, callback_data=WizCb(sid=sid, action=WizAction.EDIT, field=field.name))
    confirm = WizCb(sid=sid, action=WizAction.CONFIRM, arg=data.summary_token or "")
    kb.button(text=t("wiz-confirm"), callback_data=confirm)
    kb.button(text=t("wiz-back"), callback_data=WizCb(sid=sid, action=WizAction.BACK))
    kb.button(text=t("wiz-cancel"), callback_data=WizCb(sid=sid, action=WizAction.CANCEL))
    edits = len(model.fields)
    kb.adjust(*([2] * (edits // 2)), *([1] if edits % 2 else []), 1, 2)
    return kb.as_markup()


def refused(t: Texts, *, sid: str, balance: bool) -> InlineKeyboardMarkup:
    """Under a refusal that keeps the wizard: back to the summary (and the balance)."""
    kb = InlineKeyboardBuilder()
    if balance:
        kb.button(text=t("menu-topup"), callback_data=MenuCb(action="topup"))
    kb.button(text=t("wiz-to-summary"), callback_data=WizCb(sid=sid, action=WizAction.SUMMARY))
    kb.button(text=t("wiz-cancel"), callback_data=WizCb(sid=sid, action=WizAction.CANCEL))
    kb.adjust(1)
    return kb.as_markup()
