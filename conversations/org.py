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


class Group(_Strict):
    id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1)
    units: tuple[str, ...] = ()
    escalation: str | None = None
    leaders: bool = False
    slack_channel: str | None = None
    telegram_chat: str | None = None
    # Members' names, so a report naming one of them goes to the escalation group instead.
    members: tuple[str, ...] = ()

    @field_validator("telegram_chat", "slack_channel", mode="before")
    @classmethod
    def _chat_as_text(cls, value: Any) -> Any:
        """Chat ids may be written as numbers; an empty string means "not set"."""
        if isinstance(value, int):
            return str(value)
        return value or None


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
