"""Every user-facing string comes from the Fluent files in `locales/` (ru and en).

`Texts` formats one language; `Translations` holds both and picks one per user. A missing key
is a bug caught by tests (both files must define the same keys), never shown as a raw key.
"""

from dataclasses import dataclass
from importlib import resources

from fluent.runtime import FluentBundle, FluentResource
from fluent.syntax.ast import Junk

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"


def language_for(code: str | None) -> str:
    """The bot's language for a Telegram `language_code`: English for en-*, else Russian."""
    return "en" if code and code.lower().startswith("en") else DEFAULT_LANGUAGE


class Texts:
    def __init__(self, language: str, bundle: FluentBundle) -> None:
        self.language = language
        self._bundle = bundle

    def __call__(self, key: str, **args: object) -> str:
        message = self._bundle.get_message(key)
        if message.value is None:
            raise KeyError(f"message {key!r} has no value in {self.language}")
        text, errors = self._bundle.format_pattern(message.value, args)
        if errors:
            raise errors[0]
        return str(text)

    def has(self, key: str) -> bool:
        return self._bundle.has_message(key)


@dataclass(frozen=True)
class Translations:
    by_language: dict[str, Texts]

    def __getitem__(self, language: str) -> Texts:
        return self.by_language.get(language) or self.by_language[DEFAULT_LANGUAGE]


def source(language: str) -> str:
    return (resources.files("trt.bot") / "locales" / f"{language}.ftl").read_text("utf-8")


def load_translations() -> Translations:
    bundles = {}
    for language in LANGUAGES:
        bundle = FluentBundle([language], use_isolating=False)
        resource = FluentResource(source(language))
        junk = [entry for entry in resource.body if isinstance(entry, Junk)]
        if junk:
            near = (junk[0].content or "")[:80]
            raise ValueError(f"{language}.ftl does not parse near: {near!r}")
        bundle.add_resource(resource)
        bundles[language] = Texts(language, bundle)
    return Translations(bundles)
