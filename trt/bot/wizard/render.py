"""The wizard's texts: a step's hint, the summary, problems and confirmation outcomes.

Numbers that are limits go to Fluent as strings, so "1000" is not shown as "1,000"; counts
that select a plural form go as numbers.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime

from trt.bot.texts import Texts
from trt.bot.wizard.state import number_choices
from trt.domain.catalog import MEGABYTE, Encoding, FieldType, InputField, ModelSpec
from trt.domain.inputs import MediaInput, Problem, ProblemCode
from trt.domain.money import format_rub
from trt.domain.quota import MOSCOW, QuotaStatus

TEXT_PREVIEW = 80


def field_label(t: Texts, field: InputField | str) -> str:
    name = field if isinstance(field, str) else field.name
    key = f"field-{name}"
    return t(key) if t.has(key) else name


def _number(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _megabytes(size: int) -> str:
    return f"{size / MEGABYTE:.1f}".removesuffix(".0")


def _file_types(mime_types: Iterable[str]) -> str:
    return ", ".join(mime.split("/")[-1].upper() for mime in mime_types)


def moscow_time(moment: datetime) -> str:
    return moment.astimezone(MOSCOW).strftime("%H:%M")


def hint(t: Texts, field: InputField, *, with_buttons: bool) -> str:
    """What the step asks for, with the field's limits."""
    key, args = _hint_args(field, with_buttons=with_buttons)
    return t(key, name=field_label(t, field), **args)


def _hint_args(field: InputField, *, with_buttons: bool) -> tuple[str, dict[str, str]]:
    kind = field.type
    if field.encode is Encoding.DIALOGUE:
        names = [speaker.name for speaker in field.speakers]
        return "wiz-ask-dialogue", {
            "max": str(field.max_length),
            "speakers": ", ".join(names),
            "first": names[0],
            "second": names[1 % len(names)],
        }
    if kind is FieldType.TEXT:
        key = "wiz-ask-text-range" if field.min_length else "wiz-ask-text"
        return key, {"min": str(field.min_length), "max": str(field.max_length)}
    if kind in (FieldType.ENUM, FieldType.BOOL):
        return f"wiz-ask-{kind.value}", {}
    if kind in (FieldType.IMAGE, FieldType.IMAGES):
        counts = {"min": str(field.min_count), "max": str(field.max_count)}
        return f"wiz-ask-{kind.value}", {**counts, **_file_limits(field)}
    if field.minimum is None or field.maximum is None:
        return "wiz-ask-int-open", {}
    key = "wiz-ask-number-buttons" if with_buttons else f"wiz-ask-{kind.value}"
    return key, {"min": _number(field.minimum), "max": _number(field.maximum)}


def _file_limits(field: InputField) -> dict[str, str]:
    return {"types": _file_types(field.mime_types), "mb": _megabytes(field.max_bytes)}


def value_text(t: Texts, field: InputField, value: object) -> str:
    """A field's value as the summary shows it."""
    if value is None:
        return t("wiz-value-empty")
    if isinstance(value, MediaInput | tuple | list):
        count = 1 if isinstance(value, MediaInput) else len(value)
        return t("wiz-value-files", count=count)
    return _scalar_text(t, field, value)


def _scalar_text(t: Texts, field: InputField, value: object) -> str:
    if field.type is FieldType.TEXT:
        text = str(value)
        return text if len(text) <= TEXT_PREVIEW else text[: TEXT_PREVIEW - 1] + "…"
    if field.type is FieldType.ENUM:
        labels = {option.value: option.label(t.language) for option in field.options}
        return labels.get(str(value), str(value))
    if field.type is FieldType.BOOL:
        return t("wiz-value-yes") if value is True else t("wiz-value-no")
    return _number(value)


def step_text(
    t: Texts, model: ModelSpec, field: InputField, *, step: tuple[int, int] | None, current: object
) -> str:
    """The step screen; `step` is (number, total) while asking required fields in turn."""
    lines = [t("wiz-title", title=model.title.text(t.language))]
    if step is not None:
        lines.append(t("wiz-step-of", step=str(step[0]), steps=str(step[1])))
    lines += ["", hint(t, field, with_buttons=number_choices(field) is not None)]
    if not field.required:
        lines.append(t("wiz-step-optional"))
    if current is not None:
        lines.append(t("wiz-step-current", value=value_text(t, field, current)))
    return "\n".join(lines)


def problem_text(t: Texts, model: ModelSpec, problem: Problem) -> str:
    names = [
        field_label(t, model.field(name)) if model.has_field(name) else name
        for name in problem.field.split("+")
    ]
    params = _problem_params(t, model, problem)
    text = t(_problem_key(problem), **params)
    return t("wiz-problem", name=" + ".join(names), text=text)


def _problem_key(problem: Problem) -> str:
    key = f"problem-{problem.code.value}"
    if problem.code is ProblemCode.OUT_OF_RANGE:
        has_min, has_max = "min" in problem.params, "max" in problem.params
        if has_min != has_max:
            return f"{key}-{'min' if has_min else 'max'}"
    return key


def _problem_params(t: Texts, model: ModelSpec, problem: Problem) -> dict[str, object]:
    params: dict[str, object] = {key: str(value) for key, value in problem.params.items()}
    match problem.code:
        case ProblemCode.NOT_AN_IMAGE:
            params["accepted"] = _file_types(str(problem.params.get("accepted", "")).split(", "))
        case ProblemCode.FILE_TOO_LARGE:
            params["size"] = _megabytes(int(problem.params.get("size", 0)))
            params["max"] = _megabytes(int(problem.params.get("max_bytes", 0)))
        case ProblemCode.COMBINATION_NOT_ALLOWED:
            params = {"values": _combination(t, model, problem.params)}
        case ProblemCode.TOO_MANY_FILES | ProblemCode.TOO_FEW_FILES:
            params["count"] = int(problem.params.get("count", 0))
    return params


def _combination(t: Texts, model: ModelSpec, rule: Mapping[str, object]) -> str:
    parts = []
    for name, value in rule.items():
        if model.has_field(name):
            field = model.field(name)
            parts.append(f"{field_label(t, field)}: {value_text(t, field, _typed(field, value))}")
    return ", ".join(parts)


def _typed(field: InputField, value: object) -> object:
    if field.type is FieldType.BOOL:
        return value == "true"
    return value


def problems_text(t: Texts, model: ModelSpec, problems: Iterable[Problem]) -> str:
    return "\n".join(problem_text(t, model, problem) for problem in problems)


def summary_text(
    t: Texts,
    model: ModelSpec,
    values: Mapping[str, object],
    *,
    price_line: str,
    problems: Iterable[Problem] = (),
) -> str:
    lines = [t("wiz-summary-title", title=model.title.text(t.language)), ""]
    for field in model.fields:
        lines.append(
            t(
                "wiz-summary-line",
                name=field_label(t, field),
                value=value_text(t, field, values.get(field.name)),
            )
        )
    lines += ["", price_line]
    shown = problems_text(t, model, problems)
    if shown:
        lines += ["", t("wiz-summary-invalid"), shown]
    return "\n".join(lines)


def price_line(t: Texts, *, price: int | None, balance: int) -> str:
    if price is None:
        return t("wiz-summary-no-price")
    return t("wiz-summary-price", price=format_rub(price), balance=format_rub(balance))


def free_line(t: Texts, quota: QuotaStatus) -> str:
    if quota.left <= 0:
        return t("wiz-summary-free-none", limit=quota.limit, time=moscow_time(quota.resets_at))
    return t("wiz-summary-free", left=quota.left, limit=quota.limit)


def no_money_text(t: Texts, *, needed: int, available: int, missing: int) -> str:
    return t(
        "wiz-no-money",
        price=format_rub(needed),
        balance=format_rub(available),
        missing=format_rub(missing),
    )


def quota_exhausted_text(t: Texts, *, limit: int, resets_at: datetime) -> str:
    return t("wiz-free-exhausted", limit=limit, time=moscow_time(resets_at))
