"""Create bodies of the families that take their inputs at the top level (all but Market)."""

from collections.abc import Mapping


def top_level_body(
    fields: Mapping[str, object], callback_url: str | None, **named: object
) -> dict[str, object]:
    """The input fields, then `named` (the model, say), then `callBackUrl` when there is one."""
    body: dict[str, object] = {**fields, **named}
    if callback_url is not None:
        body["callBackUrl"] = callback_url
    return body
