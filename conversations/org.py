"""The organisation's configuration (units, handler groups, deadlines, help lines), validated."""

from __future__ import annotations

from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from conversations.errors import ConfigError

LANGUAGES = ("nb", "sv", "en")
Language = Literal["nb", "sv", "en"]
# A text given once, or per language: {nb = "...", sv = "...", en = "..."}.
Localized = str | dict[Language, str]


def pick(text: Localized, language: str) -> str:
    """The text in `language`, else English, else the first one given."""
    if isinstance(text, str):
        return text
    return text.get(language) or text.get("en") or next(iter(text.values()))  # type: ignore[call-overload]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Unit(_Strict):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)


LEGACY_CHANNEL_KEYS = {"slack_channel": "slack", "telegram_chat": "telegram"}


class Group(_Strict):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    units: tuple[str, ...] = ()
    escalation: str | None = None
    leaders: bool = False
    # The group's place on each platform, one key per platform (`[groups.channels]`:
    # telegram = "-100…", slack = "G0…", matrix = "!room:server"); each adapter checks its own.
    channels: dict[str, str] = Field(default_factory=dict)
    # Members' names, so a report naming one of them goes to the escalation group instead.
    members: tuple[str, ...] = ()
    # An auditors' group: its channel reads any case's audit log (/audit K-…) and nothing
    # else; it gets no alerts and covers no units.
    auditor: bool = False

    @model_validator(mode="before")
    @classmethod
    def _legacy_channel_keys(cls, data: Any) -> Any:
        """`slack_channel` / `telegram_chat` (the old keys) still work: they become channels."""
        if isinstance(data, dict) and any(key in data for key in LEGACY_CHANNEL_KEYS):
            data = dict(data)
            channels = dict(data.get("channels") or {})
            for key, platform in LEGACY_CHANNEL_KEYS.items():
                value = data.pop(key, None)
                if value not in (None, "") and platform not in channels:
                    channels[platform] = value
            data["channels"] = channels
        return data

    @field_validator("channels", mode="before")
    @classmethod
    def _chats_as_text(cls, value: Any) -> Any:
        """Chat ids may be written as numbers; an empty string means "not set"."""
        if not isinstance(value, dict):
            return value
        return {k: str(v) for k, v in value.items() if v not in (None, "")}


class Helpline(_Strict):
    name: Localized
    number: str = Field(min_length=2)
    emergency: bool = False


class Deadlines(_Strict):
    acknowledge_days: int = Field(default=7, ge=1, le=90)
    feedback_months: int = Field(default=3, ge=1, le=24)
    first_nudge_hours: int = Field(default=24, ge=1)
    nudge_every_hours: int = Field(default=24, ge=1)
    escalate_after_hours: int = Field(default=72, ge=1)
    feedback_warning_days: tuple[int, ...] = (14, 3)
    stale_after_days: int = Field(default=14, ge=1)
    # Tell the reporter "your report is still being handled" when feedback is overdue.
    tell_reporter_when_overdue: bool = True


class Retention(_Strict):
    draft_days: int = Field(default=7, ge=1)
    closed_case_days: int = Field(default=730, ge=1)
    processed_event_days: int = Field(default=7, ge=1)


class Limits(_Strict):
    """Fairness limits per person, so one person can never slow the bot down for another."""

    # Messages a person may send in a burst, and how many more each minute after it.
    burst_messages: int = Field(default=20, ge=1)
    messages_per_minute: int = Field(default=40, ge=1)
    reports_per_day: int = Field(default=5, ge=1)
    people_per_report: int = Field(default=20, ge=1)
    # One typed answer longer than this is offered "keep the first part" or "write again".
    answer_chars: int = Field(default=4000, ge=100, le=20000)


class Organisation(_Strict):
    name: str = Field(min_length=1)
    languages: tuple[Language, ...] = ("nb", "sv", "en")
    timezone: str = "Europe/Oslo"
    report_detail: Literal["full", "summary", "minimal"] = "summary"

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r} (try Europe/Oslo)") from exc
        return value

    @field_validator("languages")
    @classmethod
    def _some_language(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if not value:
            raise ValueError("name at least one of nb, sv, en")
        return value


class Org(_Strict):
    """The whole organisation file."""

    organisation: Organisation
    units: tuple[Unit, ...] = Field(min_length=1)
    groups: tuple[Group, ...] = Field(min_length=1)
    deadlines: Deadlines = Deadlines()
    retention: Retention = Retention()
    limits: Limits = Limits()
    helplines: tuple[Helpline, ...] = ()

    @model_validator(mode="after")
    def _references(self) -> Org:
        unit_ids = [u.id for u in self.units]
        group_ids = [g.id for g in self.groups]
        for label, ids in (("units", unit_ids), ("groups", group_ids)):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"{label}: id {dupes[0]!r} is used twice")
        for index, group in enumerate(self.groups):
            for unit in group.units:
                if unit not in unit_ids:
                    raise ValueError(f"groups[{index}].units: unknown unit {unit!r}")
            if group.escalation is not None and group.escalation not in group_ids:
                raise ValueError(f"groups[{index}].escalation: unknown group {group.escalation!r}")
            if group.auditor and (
                group.units or group.leaders or group.members or group.escalation or index == 0
            ):
                raise ValueError(
                    f"groups[{index}].auditor: an auditors' group covers no units, takes no"
                    " reports (no leaders, members or escalation) and is not the first group"
                )
            if group.escalation is not None and any(
                g.auditor for g in self.groups if g.id == group.escalation
            ):
                raise ValueError(
                    f"groups[{index}].escalation: {group.escalation!r} is an auditors' group"
                )
            if group.members and group.escalation is None:
                raise ValueError(
                    f"groups[{index}].escalation: a group with members needs an escalation group,"
                    " where a report naming one of them goes instead"
                )
        covered = {u for g in self.groups for u in g.units}
        for unit in unit_ids:
            if unit not in covered:
                raise ValueError(f"units: unit {unit!r} is covered by no group")
        return self

    def unit(self, unit_id: str | None) -> Unit | None:
        return next((u for u in self.units if u.id == unit_id), None)

    def group(self, group_id: str | None) -> Group | None:
        return next((g for g in self.groups if g.id == group_id), None)

    def group_for_unit(self, unit_id: str | None) -> Group:
        """The group covering `unit_id` (the first group when the unit is unknown)."""
        return next((g for g in self.groups if unit_id in g.units), self.groups[0])

    @property
    def default_language(self) -> str:
        return self.organisation.languages[0]


def parse_org(data: dict[str, Any], source: str = "trygg.toml") -> Org:
    """Validate a decoded organisation file; the one error raised names the key at fault."""
    try:
        return Org.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"])
        message = first["msg"].removeprefix("Value error, ")
        if not key:  # a cross-reference check: its message starts with the key
            key, _, message = message.partition(": ")
        if first["type"] == "extra_forbidden":
            message = "unknown setting (check the spelling)"
        raise ConfigError(key, message, source) from None


def legacy_notices(data: dict[str, Any], source: str = "trygg.toml") -> list[str]:
    """One line per old-style channel key, saying how to write it now."""
    notices = []
    for index, group in enumerate(data.get("groups") or []):
        if not isinstance(group, dict):
            continue
        for key, platform in LEGACY_CHANNEL_KEYS.items():
            if key in group:
                notices.append(
                    f"{source}: groups[{index}].{key} still works; write it as "
                    f'[groups.channels] {platform} = "{group[key]}"'
                )
    return notices
