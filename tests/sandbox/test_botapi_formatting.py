"""parse_mode handling: HTML, MarkdownV2 and Markdown into text plus UTF-16 entities."""

from __future__ import annotations

from typing import Any

import pytest

from trt.sandbox.botapi.errors import ApiError
from trt.sandbox.botapi.formatting import parse_text


def entity(kind: str, offset: int, length: int, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "offset": offset, "length": length, **extra}


@pytest.mark.parametrize(
    ("source", "mode", "text", "entities"),
    [
        ("<b>Жир</b> &lt;3 &amp; &#8381;", "HTML", "Жир <3 & ₽", [entity("bold", 0, 3)]),
        (
            '<a href="https://x.org">ссылка</a>',
            "HTML",
            "ссылка",
            [entity("text_link", 0, 6, url="https://x.org")],
        ),
        ("😀<i>a</i>", "HTML", "😀a", [entity("italic", 2, 1)]),
        (
            '<pre><code class="language-python">x = 1</code></pre>',
            "HTML",
            "x = 1",
            [entity("pre", 0, 5, language="python")],
        ),
        ("<tg-spoiler>s</tg-spoiler>", "html", "s", [entity("spoiler", 0, 1)]),
        (
            "*b* _i_ __u__ ~s~ ||p|| `c`",
            "MarkdownV2",
            "b i u s p c",
            [
                entity("bold", 0, 1),
                entity("italic", 2, 1),
                entity("underline", 4, 1),
                entity("strikethrough", 6, 1),
                entity("spoiler", 8, 1),
                entity("code", 10, 1),
            ],
        ),
        (
            "[сайт](https://x.org/a\\)b) 1\\+1\\=2\\!",
            "MarkdownV2",
            "сайт 1+1=2!",
            [entity("text_link", 0, 4, url="https://x.org/a)b")],
        ),
        (
            ">цитата\n>вторая\nпосле",
            "MarkdownV2",
            "цитата\nвторая\nпосле",
            [entity("blockquote", 0, 13)],
        ),
        ("*b* _i_ 1.5!", "Markdown", "b i 1.5!", [entity("bold", 0, 1), entity("italic", 2, 1)]),
        ("plain <b>", None, "plain <b>", []),
    ],
)
def test_markup_becomes_text_and_entities(
    source: str, mode: str | None, text: str, entities: list[dict[str, Any]]
) -> None:
    assert parse_text(source, mode, None) == (text, entities)


@pytest.mark.parametrize(
    ("source", "mode", "message"),
    [
        ("a < b", "HTML", "Can't find end of the tag at byte offset 2"),
        ("<div>", "HTML", 'Unsupported start tag "div" at byte offset 0'),
        ("<b>open", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", "HTML", "Unmatched end tag"),
        ("<span>x</span>", "HTML", 'Tag "span" must have class "tg-spoiler"'),
        ("Итого: 5.", "MarkdownV2", "Character '.' is reserved"),
        ("*bold", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
        ("_it", "Markdown", "Can't find end of the entity"),
    ],
)
def test_malformed_markup_is_a_400(source: str, mode: str, message: str) -> None:
    with pytest.raises(ApiError) as error:
        parse_text(source, mode, None)
    assert error.value.status == 400
    assert error.value.description.startswith("Bad Request: can't parse entities: ")
    assert message in error.value.description


def test_explicit_entities_win_over_parse_mode() -> None:
    given = [entity("bold", 0, 1)]
    assert parse_text("<x", "HTML", given) == ("<x", given)
