"""Every user-facing text comes from the locale files, and both languages have all of it.

The code is read, not run: every call of a translator (`t(...)`, `texts(...)`, `self.t(...)`)
under trt/bot has its key resolved from the source. A literal is a key; an f-string, a
conditional, a local variable or a module function's return value is followed to the literals
it is built from; a part that stays unknown (a value from data) is expanded over the enum that
feeds it, by the key's prefix (`category-…` over the categories, `problem-…` over the problem
codes, …). A key that cannot be resolved at all fails the test, so a new dynamic key needs a
line in EXPANSIONS rather than going unchecked.
"""

import ast
import itertools
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fluent.syntax import FluentParser
from fluent.syntax.ast import Message

import trt.bot
from trt.bot.keyboards import FREE_SECTION
from trt.bot.polling import COMMANDS
from trt.bot.texts import LANGUAGES, source
from trt.domain.catalog import Category, FieldType, load_catalog
from trt.domain.errors import TrtError
from trt.domain.inputs import ProblemCode
from trt.domain.jobs import FailReason, JobStatus
from trt.domain.ledger import EntryKind
from trt.domain.payments import CheckoutRefusal, OrderStatus, PaymentMethod, PromoRefusal
from trt.services.history import ResendOutcome

BOT = Path(trt.bot.__file__).parent
SOURCES = sorted(BOT.rglob("*.py"))
UNKNOWN = "\0"  # a part of a key that comes from data
TRANSLATORS = {"t", "texts"}  # names (and attributes: self.t, flow.t) that translate a key

EXPANSIONS: dict[str, list[str]] = {
    "category-": [c.value for c in Category] + [FREE_SECTION],
    "cmd-": list(COMMANDS),
    "entry-": [kind.value for kind in EntryKind],
    "field-": sorted({field.name for model in load_catalog() for field in model.fields}),
    "history-resend-": [outcome.value for outcome in ResendOutcome],
    "history-status-": [status.value for status in JobStatus],
    "job-failed-": [reason.value for reason in FailReason],
    "language-name-": list(LANGUAGES),
    # The payments list shows decided orders and transfers in review (Payments.history).
    "payment-status-": [
        OrderStatus.PAID.value,
        OrderStatus.REFUNDED.value,
        OrderStatus.REJECTED.value,
        OrderStatus.PENDING.value,
    ],
    # Stars orders have their own line; every other method is named.
    "payment-method-": [m.value for m in PaymentMethod if m is not PaymentMethod.STARS],
    "precheckout-": [refusal.value for refusal in CheckoutRefusal],
    "promo-": [refusal.value for refusal in PromoRefusal],
    "problem-": [code.value for code in ProblemCode],
    "wiz-ask-": [kind.value for kind in FieldType],
}
# Bot API calls (aiogram method names) whose arguments the user reads.
SEND_METHODS = {"answer", "answer_callback_query", "edit_caption", "edit_message_text"}
SEND_METHODS |= {"edit_text", "reply", "send_audio", "send_document", "send_message"}
SEND_METHODS |= {"send_photo", "send_video"}
TEXT_KEYWORDS = {"text", "caption", "description"}


class Unresolved(Exception):
    pass


def ftl_keys(language: str) -> list[str]:
    resource = FluentParser().parse(source(language))
    return [entry.id.name for entry in resource.body if isinstance(entry, Message)]


def error_keys() -> set[str]:
    """The message keys of every TrtError (the modules that define them are imported above)."""
    found, todo = set(), [TrtError]
    while todo:
        cls = todo.pop()
        found.add(cls.message_key)
        todo.extend(cls.__subclasses__())
    return found


class Module:
    """One source file, with the enclosing function of every node."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text("utf-8"))
        self.functions = {
            node.name: node
            for node in self.tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        }
        self.scope: dict[ast.AST, ast.AST] = {}
        self._map(self.tree, self.tree)

    def _map(self, node: ast.AST, scope: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            self.scope[child] = scope
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else scope
            self._map(child, inner)

    def translator_calls(self) -> Iterator[ast.Call]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and node.args and _is_translator(node.func):
                yield node

    def resolve(self, expr: ast.expr, scope: ast.AST) -> set[str]:
        """The keys (with UNKNOWN parts) an expression can evaluate to."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.JoinedStr):
            return self._joined(expr, scope)
        if isinstance(expr, ast.IfExp):
            return self.resolve(expr.body, scope) | self.resolve(expr.orelse, scope)
        if isinstance(expr, ast.Attribute) and expr.attr == "message_key":
            return error_keys()
        if isinstance(expr, ast.Name):
            return self._name(expr.id, scope, index=None)
        if isinstance(expr, ast.Call):
            return self._returns(expr, index=None)
        raise Unresolved(ast.unparse(expr))

    def _joined(self, expr: ast.JoinedStr, scope: ast.AST) -> set[str]:
        choices: list[set[str]] = []
        for part in expr.values:
            if isinstance(part, ast.FormattedValue):
                try:
                    choices.append(self.resolve(part.value, scope))
                except Unresolved:
                    choices.append({UNKNOWN})
            else:
                choices.append(self.resolve(part, scope))
        return {"".join(parts) for parts in itertools.product(*choices)}

    def _name(self, name: str, scope: ast.AST, *, index: int | None) -> set[str]:
        found: set[str] = set()
        for node in ast.walk(scope):
            if not isinstance(node, ast.Assign):
                continue
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id == name:
                    found |= self._indexed(node.value, scope, index)
                elif isinstance(target, ast.Tuple):
                    names = [e.id if isinstance(e, ast.Name) else None for e in target.elts]
                    if name in names:
                        found |= self._indexed(node.value, scope, names.index(name))
        if not found:
            raise Unresolved(name)
        return found

    def _indexed(self, expr: ast.expr, scope: ast.AST, index: int | None) -> set[str]:
        if index is None:
            return self.resolve(expr, scope)
        if isinstance(expr, ast.Tuple):
            return self.resolve(expr.elts[index], scope)
        if isinstance(expr, ast.Call):
            return self._returns(expr, index=index)
        raise Unresolved(ast.unparse(expr))

    def _returns(self, call: ast.Call, *, index: int | None) -> set[str]:
        function = self.functions.get(call.func.id) if isinstance(call.func, ast.Name) else None
        if function is None:
            raise Unresolved(ast.unparse(call))
        found: set[str] = set()
        for node in ast.walk(function):
            if isinstance(node, ast.Return) and node.value is not None:
                found |= self._indexed(node.value, function, index)
        return found


def _is_translator(func: ast.expr) -> bool:
    if isinstance(func, ast.Name):
        return func.id in TRANSLATORS
    return isinstance(func, ast.Attribute) and func.attr == "t"


def used_keys() -> dict[str, str]:
    """Every key pattern the code translates, with where it is used."""
    used: dict[str, str] = {}
    for path in SOURCES:
        module = Module(path)
        for call in module.translator_calls():
            where = f"{path.relative_to(BOT)}:{call.lineno}"
            try:
                keys = module.resolve(call.args[0], module.scope[call])
            except Unresolved as exc:
                raise AssertionError(f"{where}: cannot tell which key {exc} is") from exc
            for key in keys:
                used.setdefault(key, where)
    return used


def missing_for(pattern: str, known: set[str]) -> list[str]:
    if UNKNOWN not in pattern:
        return [] if pattern in known else [pattern]
    prefix, _, rest = pattern.partition(UNKNOWN)
    if not rest:
        if prefix not in EXPANSIONS:
            return [f"{prefix}… (no expansion for this prefix: add one to EXPANSIONS)"]
        return [prefix + value for value in EXPANSIONS[prefix] if prefix + value not in known]
    regex = re.compile(".+".join(re.escape(piece) for piece in pattern.split(UNKNOWN)))
    return [] if any(regex.fullmatch(key) for key in known) else [pattern.replace(UNKNOWN, "…")]


def test_both_languages_have_the_same_keys_once() -> None:
    keys = {language: ftl_keys(language) for language in LANGUAGES}
    for language, found in keys.items():
        duplicates = sorted({key for key in found if found.count(key) > 1})
        assert duplicates == [], f"{language}.ftl defines these twice"
    ru, en = set(keys["ru"]), set(keys["en"])
    assert sorted(ru - en) == []
    assert sorted(en - ru) == []


def test_the_scan_finds_the_keys_it_should() -> None:
    used = used_keys()
    assert len(used) > 150
    for key in ("start-greeting", "stale-button", "history-title", "error-free-quota"):
        assert key in used
    assert f"problem-{UNKNOWN}-min" in used  # an f-string built from a resolved variable
    assert f"wiz-ask-{UNKNOWN}" in used  # followed through a function's tuple return


def test_a_missing_key_is_reported() -> None:
    known = {"a-key", "history-status-pending", "problem-out_of_range-min"}
    assert missing_for("a-key", known) == []
    assert missing_for("no-key", known) == ["no-key"]
    assert missing_for(f"history-status-{UNKNOWN}", known) == [
        f"history-status-{status.value}" for status in JobStatus if status is not JobStatus.PENDING
    ]
    assert missing_for(f"problem-{UNKNOWN}-min", known) == []
    assert missing_for(f"problem-{UNKNOWN}-max", known) == ["problem-…-max"]
    assert "no expansion" in missing_for(f"fresh-{UNKNOWN}", known)[0]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_used_in_code_exists(language: str) -> None:
    known = set(ftl_keys(language))
    missing = {
        f"{key} ({where})": gaps
        for key, where in used_keys().items()
        if (gaps := missing_for(key, known))
    }
    assert missing == {}


def _literal_text(node: ast.expr) -> str | None:
    """The letters of a literal string or f-string (None: not a literal with letters)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        text = node.value
    elif isinstance(node, ast.JoinedStr):
        text = "".join(
            part.value
            for part in node.values
            if isinstance(part, ast.Constant) and isinstance(part.value, str)
        )
    else:
        return None
    return text if any(char.isalpha() for char in text) else None


def _called_name(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return call.func.id if isinstance(call.func, ast.Name) else None


def literal_texts(path: Path, root: Path = BOT) -> Iterator[str]:
    """Literal words passed where Telegram shows them: a `text=`/`caption=`/`description=`
    argument, or any argument of a sending method (answer, send_message, edit_text, …)."""
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        candidates = [kw.value for kw in node.keywords if kw.arg in TEXT_KEYWORDS]
        if _called_name(node) in SEND_METHODS:
            candidates += node.args
        for candidate in candidates:
            if (text := _literal_text(candidate)) is not None:
                yield f"{path.relative_to(root)}:{node.lineno}: {text!r}"


def test_no_literal_text_is_sent_from_code() -> None:
    found = [line for path in SOURCES for line in literal_texts(path)]
    assert found == []


CYRILLIC = re.compile("[\u0400-\u04ff]")


def test_no_russian_string_in_bot_code() -> None:
    found = []
    for path in SOURCES:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            is_text = isinstance(node, ast.Constant) and isinstance(node.value, str)
            if is_text and CYRILLIC.search(node.value):
                found.append(f"{path.relative_to(BOT)}:{node.lineno}: {node.value!r}")
    assert found == []


def test_the_literal_checks_catch_what_they_are_for(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "async def f(message, kb, log, t):\n"
        "    await message.answer('Done!')\n"
        "    kb.button(text='Back', callback_data='x')\n"
        "    kb.button(text='🇷🇺', callback_data='y')\n"
        "    await message.answer(t('menu-title'))\n"
        "    log.info('job.created', model='z-image')\n",
        "utf-8",
    )

    found = sorted(literal_texts(sample, root=tmp_path))

    assert found == ["sample.py:2: 'Done!'", "sample.py:3: 'Back'"]
