"""What the bot says first: who reads, what the platform sees, how to stop, where to get help."""

from __future__ import annotations

from collections.abc import Iterable

from babel.lists import format_list

from conversations.i18n import N_, Translator
from conversations.messages import Choice
from conversations.org import LANGUAGES, Helpline, Org, pick

LANGUAGE_NAMES = {"nb": "Norsk (bokmål)", "sv": "Svenska", "en": "English"}
PLATFORM_NAMES = {"console": N_("platform.console")}


def welcome_text(tr: Translator, org: Org, platform: str) -> str:
    """The short welcome: what this is, who reads, that they can stop, and 112 if in danger."""
    t = tr.t
    parts = [
        t(
            "welcome.short",
            organisation=org.organisation.name,
            groups=group_names(org, tr.language),
        ),
        t("welcome.stop_short"),
    ]
    emergency = [h for h in org.helplines if h.emergency]
    if emergency:
        parts.append(t("welcome.emergency", numbers=emergency_numbers(emergency, tr.language)))
    return "\n\n".join(parts)


def about_text(tr: Translator, org: Org, platform: str) -> str:
    """The whole safety text: who reads, what is stored, what the platform sees, how to stop,
    and where to get help."""
    t, language = tr.t, tr.language
    platform_key = PLATFORM_NAMES.get(platform)
    parts = [
        t("welcome.readers", groups=group_names(org, tr.language)),
        t("welcome.encrypted"),
        t("welcome.platform", platform=t(platform_key) if platform_key else platform.capitalize()),
        t("welcome.stop"),
    ]
    emergency = [h for h in org.helplines if h.emergency]
    support = [h for h in org.helplines if not h.emergency]
    if emergency:
        parts.append(t("welcome.emergency", numbers=emergency_numbers(emergency, language)))
    if support:
        parts.append(t("welcome.helplines") + "\n" + helplines_text(support, language))
    return "\n\n".join(parts)


def group_names(org: Org, language: str) -> str:
    names = [g.name for g in org.groups if not g.auditor]  # auditors read no report
    return format_list(names, style="or", locale=language)


def emergency_numbers(helplines: Iterable[Helpline], language: str) -> str:
    return ", ".join(f"{h.number} ({pick(h.name, language)})" for h in helplines)


def welcome_choices(tr: Translator) -> tuple[Choice, ...]:
    return (
        Choice("welcome:sexual", tr.t("button.start_sexual")),
        Choice("welcome:start", tr.t("button.start_other")),
        Choice("welcome:about", tr.t("button.about")),
        Choice("welcome:help", tr.t("button.help_now")),
        Choice("welcome:language", tr.t("button.language")),
        Choice("welcome:later", tr.t("button.later")),
    )


def help_now_text(tr: Translator, org: Org) -> str:
    """For someone in danger now: the emergency numbers first, then every help line."""
    lines = sorted(org.helplines, key=lambda h: not h.emergency)
    if not lines:
        return tr.t("help.no_lines")
    return tr.t("help.now") + "\n" + helplines_text(lines, tr.language)


def language_choices(org: Org) -> tuple[Choice, ...]:
    offered = [lang for lang in LANGUAGES if lang in org.organisation.languages]
    return tuple(Choice(f"lang:{lang}", LANGUAGE_NAMES[lang]) for lang in offered)


def helplines_text(helplines: Iterable[Helpline], language: str) -> str:
    return "\n".join(f"• {pick(h.name, language)}: {h.number}" for h in helplines)
