"""SIGKILL of a real `trygg run` console chat at seeded random moments loses no answer."""

from __future__ import annotations

import json
import random
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from conversations.cases import read_case
from conversations.i18n import Translator
from storage.crypto import MASTER_KEYS_VAR, PSEUDONYM_KEY_VAR, Keyring
from storage.db import make_engine, session_factory
from storage.models import Case, Conversation
from storage.vault import Vault, place
from tests.faults.process import Trygg, clean_env

SEED = 20261118
TURNS = 50  # answer lines typed, re-typed ones included
KILLS = 5
PEOPLE = 3
HELP = Translator("nb").t("command.help", commands="").split("\n", 1)[0][:40]
TURN_TIMEOUT = 15.0


@dataclass(frozen=True, slots=True)
class Stored:
    """What the database holds for the console reporter after a kill."""

    step: str
    draft: dict[str, Any]
    case: dict[str, Any] | None  # the decrypted case, once sent


def read_back(db_path: Path, key_file: Path) -> Stored:
    """Decrypt the console reporter's draft (or case) with the dev key, as the engine would."""
    material = json.loads(key_file.read_text())
    keyring = Keyring.from_env(
        {MASTER_KEYS_VAR: material["master_keys"], PSEUDONYM_KEY_VAR: material["pseudonym_key"]}
    )
    vault = Vault(keyring)
    db = make_engine(f"sqlite:///{db_path}")
    try:
        with session_factory(db)() as session:
            user_ref = keyring.pseudonym("console", "local")
            conversation = session.scalars(
                select(Conversation).where(Conversation.user_ref == user_ref)
            ).one_or_none()
            if conversation is None:
                return Stored("none", {}, None)
            draft: dict[str, Any] = {}
            if conversation.draft is not None:
                key = vault.load(session, conversation.data_key_id)
                where = place("conversations", conversation.id, "draft")
                draft = json.loads(key.decrypt(conversation.draft, where))
            case = session.scalars(select(Case)).one_or_none()
            fields: dict[str, Any] | None = None
            if case is not None:
                fields = dict(read_case(session, vault, case))
                fields.update(
                    anonymity=case.anonymity,
                    role=case.role,
                    category=case.category,
                    unit=case.unit_id,
                    contact=case.contact_ok,
                    people=json.loads(fields["people"]),
                    when=json.loads(fields["when_reading"]) | {"words": fields["when_words"]},
                    what=fields["what"].split("\n\n"),
                    where=fields["place"],
                    name=fields.get("reporter_name"),
                )
            return Stored(conversation.step, draft, fields)
    finally:
        db.dispose()


def next_line(stored: Stored) -> tuple[str, tuple[str, Any] | None]:
    """What the reporter types in this state, and the answer it stores (if any)."""
    d = stored.draft
    step = stored.step
    people = d.get("people", [])
    number = len(people) + 1
    script: dict[str, tuple[str, tuple[str, Any] | None]] = {
        "none": ("/start", None),
        "idle": ("/start", None),
        "welcome": ("1", None),
        "anonymity": ("2", ("anonymity", "confidential")),
        "name": ("Kari Nordmann", ("name", "Kari Nordmann")),
        "role": ("1", ("role", "me")),
        "category": ("1", ("category", "sexual")),
        "when": ("sist torsdag", ("when_words", "sist torsdag")),
        "when_confirm": ("1", ("when_confirmed", True)),
        "where": ("På kontoret i Oslo", ("where", "På kontoret i Oslo")),
        "who": (
            f"Person {number}, Rolle {number}",
            ("person_role", (f"Person {number}", f"Rolle {number}")),
        ),
        "person_leader": ("2", ("person_leader", (f"Person {number}", "no"))),
        "witnesses": (
            ("2", None)  # add another person
            if len(people) < PEOPLE
            else ("Ingen så det", ("witnesses", "Ingen så det"))
        ),
        "unit": ("1", ("unit", "oslo")),
        "what": ("Det som skjedde.", ("what", "Det som skjedde.")),
        "wishes": ("At det stopper", ("wishes", "At det stopper")),
        "review": ("1", ("sent", True)),
    }
    return script[step]


def holds(stored: Stored, fact: tuple[str, Any]) -> bool:
    """Whether an answer is still in the draft, or in the case once the report was sent."""
    name, value = fact
    source = stored.case if stored.case is not None else stored.draft
    people = list(source.get("people", []))
    if stored.case is None and "person" in source:
        people.append(source["person"])
    if name == "sent":
        return stored.case is not None
    if name == "what":
        return value in source.get("what", [])
    if name == "when_words":
        return (source.get("when") or {}).get("words") == value
    if name == "when_confirmed":
        return (source.get("when") or {}).get("confirmed") is True
    if name == "person":
        return any(p.get("name") == value for p in people)
    if name == "person_role":
        return any((p.get("name"), p.get("role")) == value for p in people)
    if name == "person_leader":
        return any((p.get("name"), p.get("leader")) == value for p in people)
    return source.get(name) == value


def integrity(db_path: Path) -> str:
    with sqlite3.connect(db_path) as conn:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])


def test_sigkill_at_random_moments_loses_no_acknowledged_answer(tmp_path):
    """Guards: every answer the bot has answered is committed before the reply (engine's one
    transaction, the draft save in Engine._save). 50 typed lines, SIGKILL at 5 seeded moments
    (before, during or after a turn), restart, go on: the file stays intact and no answer the
    bot had acknowledged is ever missing from the decrypted draft or, at the end, the case.

    A line counts as acknowledged once the bot has answered it and a following /help (no
    state change), so its whole turn was printed; a line in flight at the kill may or may
    not be stored, and the next line is chosen from what the database says.
    """
    rng = random.Random(SEED)  # noqa: S311 - a seeded schedule, not cryptography
    kill_at = set(rng.sample(range(1, TURNS - 2), KILLS))
    db_path, key_file = tmp_path / "trygg.db", tmp_path / "dev.key"
    env = clean_env(DATABASE_URL=f"sqlite:///{db_path}", TRYGG_DEV_KEY_FILE=str(key_file))
    acknowledged: list[tuple[str, Any]] = []
    kills = 0
    started = time.monotonic()

    def start() -> Trygg:
        bot = Trygg(tmp_path, env)
        bot.write("/help")  # the /start it sends itself is answered first, then this
        assert bot.wait_for(lambda out: HELP in out, TURN_TIMEOUT), bot.err[-2000:]
        return bot

    def check(after: str) -> Stored:
        stored = read_back(db_path, key_file)
        lost = [fact for fact in acknowledged if not holds(stored, fact)]
        assert not lost, f"{after}: acknowledged answers lost {lost} (step {stored.step})"
        return stored

    bot = start()
    try:
        turn = 0
        while turn < TURNS * 2:
            stored = check(f"before line {turn + 1}")
            if stored.case is not None and turn >= TURNS:
                break
            if stored.case is not None:
                line, fact = "/status", None
            else:
                line, fact = next_line(stored)
            turn += 1
            seen = bot.out.count(HELP)
            bot.write(line)
            if turn in kill_at:
                time.sleep(rng.uniform(0.0, 0.08))  # before, inside or after the turn
                bot.kill()
                kills += 1
                assert integrity(db_path) == "ok"
                check(f"after kill {kills} at line {turn} ({line!r})")
                bot = start()
                continue
            bot.write("/help")
            assert bot.wait_for(lambda out, n=seen: out.count(HELP) > n, TURN_TIMEOUT), (
                f"no answer to line {turn} ({line!r}): {bot.err[-2000:]}"
            )
            if fact is not None:
                acknowledged.append(fact)
    finally:
        bot.kill()
    assert kills == KILLS
    assert integrity(db_path) == "ok"
    final = check("at the end")
    assert final.case is not None, f"the report was never sent (step {final.step})"
    assert len(final.case["what"]) == 1 and len(final.case["people"]) == PEOPLE
    assert time.monotonic() - started < 60
