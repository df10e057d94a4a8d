"""Any sequence of texts, button presses and restarts: no crash, no 'internal problem', no loss.

These drive the real Engine (a new one over the same database is a restart) with the
console's Inbound values, and decrypt the draft after every step.
"""

from __future__ import annotations

import io
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, event, given, settings
from hypothesis import strategies as st
from hypothesis.control import currently_in_test_context
from sqlalchemy import select

from adapters.console import ADDRESS, ConsoleAdapter
from bot.channels import AdapterChannels
from conversations.cases import reporter_cases
from conversations.engine import Engine
from conversations.i18n import Translator
from conversations.messages import Choice, Inbound, Outbound
from storage.db import session_factory
from storage.models import Conversation
from storage.vault import Vault, place
from tests.conftest import NOW

INTERNAL = {Translator(lang).t("problem.internal") for lang in ("nb", "sv", "en")}
# The draft's answers; the rest (history, editing, pending, return_to, followup_*) is bookkeeping.
ANSWERS = (
    "anonymity",
    "name",
    "role",
    "category",
    "affected",
    "what",
    "when",
    "where",
    "person",
    "people",
    "witnesses",
    "unit",
    "wishes",
    "contact",
)
# Which answers a reply in each state may set or change (re-answering after /back included).
WRITES = {
    "anonymity": {"anonymity", "name"},
    "name": {"name"},
    "role": {"role", "affected"},
    "affected": {"affected"},
    "category": {"category"},
    "what": {"what"},
    "recall": {"when", "where"},
    "when": {"when"},
    "when_confirm": {"when"},
    "where": {"where"},
    "who": {"person", "people"},
    "person_role": {"person"},
    "person_leader": {"person", "people"},
    "witnesses": {"witnesses"},
    "unit": {"unit"},
    "wishes": {"wishes"},
    "contact": {"contact"},
    "review": {"contact", "wishes"},
}
# What 'change this answer' in the review starts again from empty.
EDIT_RESETS = {
    "what": {"what"},
    "who": {"people", "person"},
    "anonymity": {"name"},
    "role": {"category", "affected"},
    "when": {"when"},
}
GROWS = ("what", "people")
# Steps where /back returns to "who" or a person's leader question: that person is re-asked.
BACK_TO_A_PERSON = (
    "witnesses",
    "person_leader",
    "person_role",
    "person_more",
)  # list answers: only ever appended to, outside an edit

AWKWARD = (
    "",
    "   ",
    "\x00",
    "før\x00etter",
    "\ud800",
    "a\udfffb",
    "\u202eevil.exe",
    "²",
    "①",
    "٣",
    "١٢",
    "😀",
    "👩‍👩‍👧 🏳️‍🌈",
    "x" * 20_000,
    "ø" * 4_001,
    "1",
    "0",
    "99",
    "-1",
    "\n\n",
    "K-ACDEFG",
    "sist torsdag",
    "Ferdig",
)
COMMANDS = (
    "/start",
    "/help",
    "/help@TryggBot",
    "/back",
    "/cancel",
    "/language",
    "/status",
    "/forget",
    "/frobnicate",
    "/",
    "/show K-ACDEFG",
    "/log K-ACDEFG",
    "/ack K-ACDEFG",
)
GARBAGE_BUTTONS = (
    "desk:reply:anything",
    "desk:ack:K-ACDEFG",
    "review:edit:nonsense",
    "review:send",
    "review:delete",
    "nav:back",
    "lang:xx",
    "lang:",
    "welcome:start",
    "anonymity:",
    "unit:nowhere",
    "followup:K-ACDEFG",
    "followup:new",
    "overlong:keep",
    ":",
    "",
    "\ud800",
)
_users = itertools.count(1)


@dataclass
class Reporter:
    """One simulated reporter: their engine (replaced on restart), replies and history."""

    db: Any
    keyring: Any
    org: Any
    engine: Engine = field(init=False)
    user_id: str = field(default_factory=lambda: f"prop-{next(_users)}")
    replies: list[Outbound] = field(default_factory=list)
    seen_values: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.restart()

    def restart(self) -> None:
        """A new process: a new Engine over the same database."""
        console = ConsoleAdapter(io.StringIO(), io.StringIO(), self.user_id)
        channels = AdapterChannels(self.org, [console])
        self.engine = Engine(
            session_factory(self.db),
            Vault(self.keyring),
            self.org,
            channels,
            clock=lambda: NOW,
        )

    def send(self, inbound: Inbound) -> list[Outbound]:
        replies = self.engine.handle(inbound)
        self.replies = replies or self.replies
        for reply in replies:
            self.seen_values.extend(c.value for c in reply.choices)
        return replies

    def text(self, text: str) -> Inbound:
        return Inbound("console", self.user_id, ADDRESS, text=text)

    def press(self, value: str) -> Inbound:
        return Inbound("console", self.user_id, ADDRESS, choice=value, content="choice")

    def choices(self) -> list[str]:
        return [c.value for r in self.replies for c in r.choices]

    def stored(self) -> tuple[str, dict[str, Any], int]:
        """(step, decrypted draft, number of cases sent) as the database holds them now."""
        keyring = self.engine.vault.keyring
        user_ref = keyring.pseudonym("console", self.user_id)
        with self.engine.sessions() as session:
            conversation = session.scalars(
                select(Conversation).where(
                    Conversation.platform == "console", Conversation.user_ref == user_ref
                )
            ).one_or_none()
            cases = len(reporter_cases(session, "console", user_ref))
            if conversation is None:
                return "none", {}, cases
            draft: dict[str, Any] = {}
            if conversation.draft is not None:
                key = self.engine.vault.load(session, conversation.data_key_id)
                where = place("conversations", conversation.id, "draft")
                draft = json.loads(key.decrypt(conversation.draft, where))
            return conversation.step, draft, cases


def lost_answers(
    step: str, before: dict[str, Any], after: dict[str, Any], action: tuple[str, str]
) -> list[str]:
    """The answers of `before` that `action` in `step` dropped or changed without a reason."""
    kind, value = action
    if kind == "text" and value.strip().split(maxsplit=1)[:1] == ["/cancel"]:
        return []
    edit = kind == "choice" and step.startswith("review") and ":edit:" in value
    back = kind == "text" and value.strip() == "/back" and step in BACK_TO_A_PERSON
    may: set[str] = set()
    if kind == "restart":
        pass
    elif step == "review_delete" and value == "review_delete:yes":
        return []
    elif back:
        may = {"person", "people"}  # the last person is answered again (or moved back)
    elif edit:
        may = EDIT_RESETS.get(value.split(":edit:", 1)[1], set())
    elif step == "overlong":
        may = WRITES.get(before.get("pending", {}).get("state", ""), set())
    else:
        may = WRITES.get(step, set())
    lost = []
    for name in ANSWERS:
        if name not in before:
            continue
        old, new = before[name], after.get(name)
        if name in may and (edit or back or name not in GROWS):
            continue
        if name in GROWS:
            if not (isinstance(new, list) and new[: len(old)] == old):
                lost.append(name)
        elif old != new:
            lost.append(name)
    return lost


def check_step(reporter: Reporter, action: tuple[str, str], inbound: Inbound | None) -> None:
    """Apply one action and check the three promises."""
    step, before, cases_before = reporter.stored()
    if currently_in_test_context():
        event(f"step {step}")  # how deep the walks get: --hypothesis-show-statistics
    if inbound is None:
        reporter.restart()
        replies: list[Outbound] = []
    else:
        try:
            replies = reporter.send(inbound)
        except Exception as exc:  # noqa: BLE001 - the property is that nothing escapes
            pytest.fail(f"Engine.handle raised {type(exc).__name__} on {action!r} in {step}")
    internal = [r.text for r in replies if r.text in INTERNAL]
    assert not internal, f"'problem.internal' for {action!r} in step {step!r}"
    _, after, cases_after = reporter.stored()
    if step == "review" and not after and cases_after == cases_before + 1:
        return  # sent: the answers moved into the new case
    lost = lost_answers(step, before, after, action)
    assert not lost, f"answers {lost} lost by {action!r} in step {step!r}"


# --- strategies ----------------------------------------------------------------------------

texts = st.one_of(
    st.sampled_from(AWKWARD),
    st.sampled_from(COMMANDS),
    st.text(max_size=40),
    st.text(
        alphabet=st.characters(categories=("Nd", "No", "Cs", "Cf", "So", "Zs", "Cc")), max_size=6
    ),
)


# Weighted: presses and commands are where the engine branches most.
KINDS = ("press", "press", "press", "answer", "command", "command", "text", "awkward", "awkward")
KINDS += ("stale", "garbage")
KINDS += ("restart",)


@st.composite
def actions(draw: st.DrawFn, offered: list[str], seen: list[str]) -> tuple[str, str]:
    """One thing a reporter (or the world) does next."""
    kind = draw(st.sampled_from(KINDS))
    if kind == "press" and offered:
        return "choice", draw(st.sampled_from(offered))
    if kind == "stale" and seen:
        return "choice", draw(st.sampled_from(seen))
    if kind == "garbage":
        return "choice", draw(st.sampled_from(GARBAGE_BUTTONS))
    if kind == "restart":
        return "restart", ""
    if kind == "awkward":
        return "text", draw(st.sampled_from(AWKWARD))
    if kind == "command":
        return "text", draw(st.sampled_from(COMMANDS))
    if kind == "answer":
        return "text", draw(st.sampled_from(("Svar", "På kontoret", "i går", "Ferdig", "1", "2")))
    return "text", draw(texts)


SENSIBLE = {  # a plausible typed answer at each text question
    "name": "Kari",
    "what": "Han sluttet ikke.",
    "when": "sist torsdag",
    "where": "På kontoret",
    "affected": "Kari",
    "who": "Ola, sekretær",
    "person_role": "Leder",
    "witnesses": "Ingen",
    "wishes": "At det stopper",
}


def sensible(reporter: Reporter, step: str, draft: dict[str, Any]) -> tuple[str, str]:
    """What a reporter who just answers would do next (never sending: that ends the draft)."""
    if step in SENSIBLE and not (step == "what" and draft.get("what")):
        return "text", SENSIBLE[step]
    offered = [v for v in reporter.choices() if v not in ("nav:back", "review:send")]
    if step == "person_more":
        offered = ["person_more:done"]
    return ("choice", offered[0]) if offered else ("text", "/start")


def walk(reporter: Reporter, data: st.DataObject, prefix: int, steps: int) -> None:
    """Start; answer sensibly `prefix` times (to get deep); then `steps` drawn actions."""
    check_step(reporter, ("text", "/start"), reporter.text("/start"))
    for number in range(prefix + steps):
        if number < prefix:
            step, draft, _ = reporter.stored()
            action = sensible(reporter, step, draft)
        else:
            action = data.draw(actions(reporter.choices(), reporter.seen_values))
        kind, value = action
        inbound = None
        if kind == "text":
            inbound = reporter.text(value)
        elif kind == "choice":
            inbound = reporter.press(value)
        check_step(reporter, action, inbound)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    # No shrinking: it can take minutes; the failure names the input and the step anyway.
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=(HealthCheck.function_scoped_fixture, HealthCheck.too_slow),
)
@given(
    data=st.data(),
    prefix=st.integers(min_value=0, max_value=22),
    steps=st.integers(min_value=1, max_value=25),
)
def test_any_sequence_never_crashes_or_loses_an_answer(db, keyring, org, data, prefix, steps):
    """Guards: Engine.handle's kind handling of every input (numbered choices, encryption of the
    draft, commands, stale buttons) and the draft save. For any sequence of texts (empty, huge,
    NUL, lone surrogates, RTL override, non-decimal digits, emoji, commands), presses (offered,
    stale, garbage) and restarts: nothing raises, no reply is the 'internal problem' text, and
    the decrypted draft keeps every answer unless the step was /cancel, delete, or a re-answer
    (after /back) or edit of that very answer."""
    walk(Reporter(db, keyring, org), data, prefix, steps)


# --- the same inputs, one at a time, at the questions where they matter --------------------

TO = {  # what to type from /start to reach each state
    "welcome": [],
    "anonymity": ["1"],
    "role": ["1", "1"],
    "affected": ["1", "1", "2"],
    "what": ["1", "1", "1"],
    "recall": ["1", "1", "1", "Det skjedde i går på kontoret"],
    "when": ["1", "1", "1", "Noe skjedde"],
    "person_leader": ["1", "1", "1", "Noe", "vet ikke", "Her", "Ola, sekretær"],
    "witnesses": ["1", "1", "1", "Noe", "vet ikke", "Her", "Ola, sekretær", "2"],
    "review_change": ["1", "1", "1", "Noe", "vet ikke", "Her", "vet ikke", "1", "1", "2"],
}


@pytest.mark.parametrize("state", list(TO))
def test_awkward_text_at_each_kind_of_question(db, keyring, org, state):
    """Guards the same promises as above, one input at a time: at choice-only questions (welcome,
    anonymity, role, leader) and text questions (what, when), each awkward text and command gets
    a kind answer, never the 'internal problem' text, and no stored answer is lost. Every input
    that fails is listed in the one assertion."""
    failures = []
    for text in AWKWARD + COMMANDS:
        reporter = Reporter(db, keyring, org)
        reporter.send(reporter.text("/start"))
        for line in TO[state]:
            inbound = reporter.text(line)
            if line.isdecimal() and reporter.choices():
                inbound = reporter.press(reporter.choices()[int(line) - 1])
            reporter.send(inbound)
        assert reporter.stored()[0] == state
        try:
            check_step(reporter, ("text", text), reporter.text(text))
        except AssertionError as failure:
            failures.append(f"{text[:20]!r}: {str(failure).splitlines()[0]}")
    assert not failures, f"{len(failures)} inputs failed at {state!r}:\n" + "\n".join(failures)


def test_back_twice_from_witnesses_then_answering_who(db, keyring, org):
    """Guards /back through the who-steps (found by the property above): from "did anyone
    see it?" back to the leader question and back to "who", a new person is a kind answer,
    not the 'internal problem' text, and the person before is kept."""
    reporter = Reporter(db, keyring, org)
    lines = ["/start", "1", "1", "1", "Noe", "vet ikke", "Her", "Ola, sekretær", "2", "2"]
    for line in [*lines, "Kari, sekretær", "2", "/back", "/back"]:
        inbound = reporter.text(line)
        if line.isdecimal() and reporter.choices():
            inbound = reporter.press(reporter.choices()[int(line) - 1])
        reporter.send(inbound)
    assert reporter.stored()[0] == "who"
    assert [p["name"] for p in reporter.stored()[1]["people"]] == ["Ola"]
    check_step(reporter, ("text", "Per, sjef"), reporter.text("Per, sjef"))


def test_a_restart_between_every_step_keeps_the_draft(db, keyring, org):
    """Guards the draft save and load: restarting (a new Engine) after each answer of a whole
    report changes nothing that was stored."""
    reporter = Reporter(db, keyring, org)
    lines = ["/start", "1", "2", "Kari", "1", "Noe skjedde", "sist torsdag", "1"]
    for line in lines:
        inbound = reporter.text(line)
        if line.isdecimal() and reporter.choices():
            inbound = reporter.press(reporter.choices()[int(line) - 1])
        check_step(reporter, ("text", line), inbound)
        check_step(reporter, ("restart", ""), None)
    step, draft, _ = reporter.stored()
    assert step == "where"
    assert draft["name"] == "Kari" and draft["what"] == ["Noe skjedde"]
    assert draft["when"]["words"] == "sist torsdag" and draft["when"]["confirmed"] is True


def test_console_turns_any_line_into_an_inbound():
    """Guards ConsoleAdapter.inbound (outside Engine.handle's safety net, so a raise ends
    `trygg run`): every awkward line, non-decimal digits like '²' included, becomes an Inbound."""
    failures = []
    for text in AWKWARD + COMMANDS:
        console = ConsoleAdapter(io.StringIO(), io.StringIO())
        console.deliver(Outbound(ADDRESS, "Velg", (Choice("a:1", "En"), Choice("a:2", "To"))))
        try:
            console.inbound(text + "\n")
        except Exception as exc:  # noqa: BLE001 - the property is that nothing escapes
            failures.append(f"{text[:20]!r}: {type(exc).__name__}")
    assert not failures, "ConsoleAdapter.inbound raised on: " + ", ".join(failures)
