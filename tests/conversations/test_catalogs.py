"""Every user-facing message exists, translated, in nb, sv and en, with the same placeholders."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from conversations.i18n import LOCALE_DIR, catalog
from conversations.org import LANGUAGES

ROOT = Path(__file__).parent.parent.parent
SOURCES = (ROOT / "conversations", ROOT / "adapters")


def used_ids() -> set[str]:
    """Message ids the code looks up, found the way gettext tools find them."""
    ids: set[str] = set()
    for source in SOURCES:
        found = extract_from_dir(str(source), keywords={"t": None, "N_": None})
        ids |= {str(message) for _, _, message, _, _ in found}
    return ids


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_extraction_finds_the_messages():
    """The extractor sees the code's message ids (guards the test below against finding none)."""
    assert {"welcome.short", "receipt", "ask.what", "field.when"} <= used_ids()


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_used_message_is_translated(language):
    """No message the code uses is missing, empty or fuzzy in any language."""
    missing = used_ids() - set(catalog(language))
    assert not missing, f"{language}: missing or untranslated: {sorted(missing)}"


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_holds_no_stale_messages(language):
    """Every catalog entry is still used by the code."""
    stale = set(catalog(language)) - used_ids()
    assert not stale, f"{language}: unused: {sorted(stale)}"


@pytest.mark.parametrize("language", ["nb", "sv"])
def test_placeholders_match_english(language):
    """A translation uses exactly the placeholders of the English message."""
    english = catalog("en")
    for key, text in catalog(language).items():
        assert placeholders(text) == placeholders(english[key]), key


@pytest.mark.parametrize("language", LANGUAGES)
def test_po_files_parse_without_fuzzy_entries(language):
    """The .po files are valid gettext catalogs with nothing marked fuzzy."""
    with (LOCALE_DIR / language / "LC_MESSAGES" / "trygg.po").open("rb") as handle:
        po = read_po(handle)
    assert [m.id for m in po if m.id and m.fuzzy] == []
