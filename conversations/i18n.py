"""Message catalogs (gettext .po files read with Babel) and locale-aware formatting."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.messages.pofile import read_po

from conversations.errors import CatalogError
from conversations.org import LANGUAGES

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "trygg"


def N_(key: str) -> str:
    """Mark a message id for extraction where it is looked up later."""
    return key


@cache
def catalog(language: str) -> dict[str, str]:
    """The translated messages of one language, by message id (fuzzy entries are left out)."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as handle:
        po = read_po(handle, locale=language)
    return {
        str(m.id): str(m.string)
        for m in po
        if m.id and isinstance(m.string, str) and m.string and not m.fuzzy
    }


def negotiate(locale: str | None, offered: tuple[str, ...]) -> str:
    """The offered language closest to a platform locale such as 'nb-NO', 'no', 'sv_SE'."""
    if locale:
        tag = locale.replace("-", "_").split("_")[0].lower()
        tag = {"no": "nb", "nn": "nb"}.get(tag, tag)  # Nynorsk readers get bokmål, not English
        if tag in offered:
            return tag
    return offered[0]


@cache
def _babel_locale(language: str) -> Locale:
    """Babel's locale for one of the three languages, parsed once (a turn makes a Translator)."""
    try:
        return Locale.parse({"nb": "nb_NO", "sv": "sv_SE", "en": "en_GB"}[language])
    except UnknownLocaleError:  # pragma: no cover - Babel ships all three
        return Locale.parse("en_GB")


class Translator:
    """Looks up message ids in one language and formats dates in the organisation's zone."""

    def __init__(self, language: str, timezone: str = "Europe/Oslo") -> None:
        if language not in LANGUAGES:
            raise CatalogError(language, "*")
        self.language = language
        self.timezone = timezone
        self._locale = _babel_locale(language)

    def t(self, key: str, **values: object) -> str:
        """The message `key`, with `{name}` placeholders filled in."""
        text = catalog(self.language).get(key)
        if text is None:
            raise CatalogError(self.language, key)
        return text.format(**values) if values else text

    def date_text(self, value: date) -> str:
        """A day as people write it: '12. mars 2026', '12 mars 2026', '12 March 2026'."""
        return format_date(value, format="long", locale=self._locale)

    def day_text(self, value: date) -> str:
        """A day with its weekday: 'torsdag 12. mars 2026'."""
        return format_date(value, format="full", locale=self._locale)

    def local(self, value: datetime) -> datetime:
        """`value` in the organisation's time zone."""
        return value.astimezone(ZoneInfo(self.timezone))

    def moment(self, value: datetime) -> str:
        """A point in time in the organisation's zone: '12. mars 2026 11:00'."""
        local = self.local(value)
        return f"{self.date_text(local.date())} {local:%H:%M}"

    def local_day(self, value: datetime) -> str:
        """The calendar day of `value` in the organisation's zone, with its weekday."""
        return self.day_text(self.local(value).date())
