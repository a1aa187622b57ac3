"""The wizard's keyboards: every button of every model fits Telegram's 64 bytes and names its
session and step; long option lists are paged."""

import pytest
from aiogram.types import InlineKeyboardMarkup

from trt.bot.callbacks import WizAction, WizCb
from trt.bot.texts import LANGUAGES, load_translations
from trt.bot.wizard import keyboards
from trt.bot.wizard.state import WizardData
from trt.domain.catalog import FieldType, load_catalog

CATALOG = load_catalog()
TRANSLATIONS = load_translations()
SID = "a1b2c3d4"


def payloads(markup: InlineKeyboardMarkup) -> list[WizCb]:
    found = []
    for row in markup.inline_keyboard:
        for button in row:
            assert button.callback_data is not None
            assert len(button.callback_data.encode()) <= 64
            if button.callback_data.startswith("w:"):
                found.append(WizCb.unpack(button.callback_data))
    return found


def texts_of(markup: InlineKeyboardMarkup) -> list[str]:
    return [button.text for row in markup.inline_keyboard for button in row]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_step_and_summary_of_the_catalog_packs(language: str) -> None:
    t = TRANSLATIONS[language]
    for model in CATALOG:
        for field in model.fields:
            for page in range(3):
                markup = keyboards.step(
                    t, sid=SID, field=field, page=page, resettable=True, files=field.min_count
                )
                buttons = payloads(markup)
                assert {b.sid for b in buttons} == {SID}
                assert {b.field for b in buttons} == {field.name}
        data = WizardData(sid=SID, model_id=model.id, section="image", summary_token="abcdef")
        summary = payloads(keyboards.summary(t, data=data, model=model))
        edits = [b.field for b in summary if b.action is WizAction.EDIT]
        assert edits == [field.name for field in model.fields]
        [confirm] = [b for b in summary if b.action is WizAction.CONFIRM]
        assert confirm.arg == "abcdef"


def test_a_long_option_list_is_paged_and_options_go_by_index() -> None:
    t = TRANSLATIONS["en"]
    field = CATALOG.get("nano-banana-2").field("aspect_ratio")
    assert field.type is FieldType.ENUM
    assert len(field.options) > keyboards.OPTIONS_PER_PAGE
    first = keyboards.step(t, sid=SID, field=field, page=0, resettable=False, files=None)
    second = keyboards.step(t, sid=SID, field=field, page=1, resettable=False, files=None)
    chosen = [b for b in payloads(first) + payloads(second) if b.action is WizAction.SET]
    assert [int(b.arg) for b in chosen] == list(range(len(field.options)))
    assert "▶️" in texts_of(first)
    assert "◀️" in texts_of(second)
    assert "▶️" not in texts_of(second)


def test_yes_no_reset_and_done_buttons() -> None:
    t = TRANSLATIONS["ru"]
    flag = CATALOG.get("grok-imagine").field("enable_pro")
    markup = keyboards.step(t, sid=SID, field=flag, page=0, resettable=True, files=None)
    assert texts_of(markup) == ["✅ Да", "❌ Нет", "↩️ По умолчанию", "⬅️ Назад", "✖️ Отмена"]
    images = CATALOG.get("nano-banana-edit").field("images")
    empty = keyboards.step(t, sid=SID, field=images, page=0, resettable=False, files=0)
    assert texts_of(empty) == ["⬅️ Назад", "✖️ Отмена"]
    two = keyboards.step(t, sid=SID, field=images, page=0, resettable=False, files=2)
    assert texts_of(two)[0] == "✅ Готово (2)"
