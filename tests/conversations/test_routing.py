"""Conflict of interest: a report naming a group member never reaches that member's group."""

from __future__ import annotations

import pytest

from conversations.cases import name_tokens, route, same_person
from conversations.org import Org


def with_members(org: Org, *members: str) -> Org:
    region = org.groups[0].model_copy(update={"members": members})
    return org.model_copy(update={"groups": (region, *org.groups[1:])})


@pytest.mark.parametrize(
    "named",
    [
        "Per Hansen",
        "per hansen",
        "Hansen, Per",
        "Per Olav Hansen",
        "Per  Hansen",
        "Per\u00a0Hansen",
        "Pér Hansen",
        "P. Hansen",
        "P Hansen",
        "Hansen",
        "Per",
        "  PER HANSEN (styreleder) ",
        "Per-Hansen",
    ],
)
def test_variants_of_a_members_name_route_past_the_group(org, named):
    """Case, spacing, NBSP, accents, 'Last, First', middle names and initials all route past."""
    chosen = route(with_members(org, "Per Hansen"), "oslo", False, [named])
    assert (chosen.group.id, chosen.reason, chosen.passed_over) == ("sentral", "conflict", "region")


@pytest.mark.parametrize("named", ["Jesper Hansen", "Jesper", "Peri Olsen", "Q. Hansen", "Kari"])
def test_other_people_stay_with_the_group(org, named):
    """A name that merely contains a member's name ('Jesper' for 'Per') is not the member."""
    chosen = route(with_members(org, "Per Hansen"), "oslo", False, [named])
    assert (chosen.group.id, chosen.reason, chosen.passed_over) == ("region", "unit", None)


def test_member_written_with_an_initial_matches_the_full_name(org):
    """A member listed as 'P. Hansen' is matched by 'Per Hansen' in a report."""
    assert (
        route(with_members(org, "P. Hansen"), "oslo", False, ["Per Hansen"]).group.id == "sentral"
    )


def test_name_tokens_normalise_the_spellings():
    """One normal form: casefolded, accents dropped, punctuation and all spaces as one."""
    assert name_tokens("Hansen,\u00a0Pér") == ("per", "hansen")
    assert name_tokens("Ås-Øvre, Åse") == ("ase", "as", "øvre")
    assert name_tokens("") == ()


def test_whole_words_only():
    """Parts of a word never count as a name."""
    assert not same_person("Per", "Jesper")
    assert not same_person("Ann", "Anne Berg")
    assert same_person("Anne Berg", "Berg, Anne")
