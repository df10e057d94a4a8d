"""The organisation file is validated at start with one clear message naming the key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from conversations.errors import ConfigError
from conversations.org import legacy_notices, parse_org

SAMPLES = Path(__file__).parent.parent.parent / "bot" / "samples"


def minimal() -> dict:
    return {
        "organisation": {"name": "Org"},
        "units": [{"id": "a", "name": "A"}],
        "groups": [{"id": "g", "name": "G", "units": ["a"]}],
    }


@pytest.mark.parametrize("name", ["trygg.toml", "trygg-sv.toml"])
def test_shipped_samples_are_valid(name):
    """The Norwegian and Swedish samples load, with help lines and an escalation group."""
    with (SAMPLES / name).open("rb") as handle:
        org = parse_org(tomllib.load(handle))
    assert org.helplines and any(h.number == "112" for h in org.helplines)
    assert any(g.leaders for g in org.groups)


def test_samples_only_carry_checked_help_line_numbers():
    """Only numbers listed as checked in the shared reference appear in the samples."""
    checked = {"112", "113", "110", "02800", "116 117", "114 14", "020-50 50 50"}
    for name in ("trygg.toml", "trygg-sv.toml"):
        with (SAMPLES / name).open("rb") as handle:
            org = parse_org(tomllib.load(handle))
        assert {h.number for h in org.helplines} <= checked


@pytest.mark.parametrize(
    ("change", "key", "fragment"),
    [
        (lambda d: d["organisation"].update(timezone="Mars/Base"), "organisation.timezone",
         "unknown time zone"),
        (lambda d: d["groups"][0].update(units=["nope"]), "groups[0].units", "unknown unit"),
        (lambda d: d["groups"][0].update(escalation="x"), "groups[0].escalation", "unknown group"),
        (lambda d: d["organisation"].update(colour="blue"), "organisation.colour",
         "unknown setting"),
        (lambda d: d.update(units=[]), "units", "at least 1"),
        (lambda d: d["organisation"].update(languages=["de"]), "organisation.languages.0",
         "'nb', 'sv' or 'en'"),
        (lambda d: d.update(deadlines={"acknowledge_days": 0}), "deadlines.acknowledge_days",
         "greater than or equal to 1"),
        (lambda d: d["units"].append({"id": "b", "name": "B"}), "units", "covered by no group"),
    ],
)  # fmt: skip
def test_wrong_settings_name_the_key(change, key, fragment):
    """Each kind of mistake yields one ConfigError whose key points at the setting."""
    data = minimal()
    change(data)
    with pytest.raises(ConfigError) as info:
        parse_org(data)
    assert info.value.key == key
    assert fragment in str(info.value)


def test_group_with_members_needs_an_escalation_group():
    """Members listed for conflicts of interest need somewhere else for the case to go."""
    data = minimal()
    data["groups"][0]["members"] = ["Per Hansen"]
    with pytest.raises(ConfigError) as info:
        parse_org(data)
    assert info.value.key == "groups[0].escalation"
    assert "needs an escalation group" in str(info.value)
    assert "\n" not in str(info.value)


def test_old_channel_keys_still_work_and_say_how_to_write_them(org):
    """slack_channel / telegram_chat become [groups.channels], with a one-line notice each."""
    data = org.model_dump(mode="json")
    data["groups"][0].pop("channels")
    data["groups"][0]["telegram_chat"] = -1001234
    data["groups"][0]["slack_channel"] = "G0DESK"
    parsed = parse_org(data)
    assert parsed.groups[0].channels == {"telegram": "-1001234", "slack": "G0DESK"}
    notices = legacy_notices(data)
    assert len(notices) == 2 and any(
        '[groups.channels] telegram = "-1001234"' in n for n in notices
    )


def test_a_group_names_its_place_on_any_platform(org):
    """[groups.channels] takes any platform's key; its adapter checks the value."""
    data = org.model_dump(mode="json")
    data["groups"][0]["channels"] = {"matrix": "!room:example.org", "teams": ""}
    assert parse_org(data).groups[0].channels == {"matrix": "!room:example.org"}
