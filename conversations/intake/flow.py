"""The reporter's intake conversation: its steps, questions, answers and review (no I/O).

The flow is drawn in conversations/intake.md. Each state asks one question; `answer` checks
the reply and says which state comes next. `Intake` (reporter.py) stores the draft and handles
commands, choices and the review.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from conversations.cases import ANONYMITY, CATEGORIES, LEADER, ROLES, route
from conversations.i18n import N_, Translator
from conversations.intake.draft import (
    Draft,
    Person,
    Recalled,
    WhenAnswer,
    about_leader,
    named,
    when_answer,
)
from conversations.intake.matching import WORDS, fold
from conversations.intake.recall import recall
from conversations.messages import Choice, Reply
from conversations.org import Org
from conversations.states import Step
from conversations.when import describe_when, read_when, words_and_reading

# Main steps in order; sub-steps belong to the step they refine.
STEPS = (
    Step.ANONYMITY,
    Step.ROLE,
    Step.WHAT,
    Step.WHEN,
    Step.WHERE,
    Step.WHO,
    Step.WITNESSES,
    Step.UNIT,
    Step.REVIEW,  # the reporter's wishes are written here, before sending
)
SUBSTATES: dict[str, Step] = {
    Step.NAME: Step.ANONYMITY,
    Step.CATEGORY: Step.ROLE,
    Step.AFFECTED: Step.ROLE,
    Step.RECALL: Step.WHEN,
    Step.WHEN_CONFIRM: Step.WHEN,
    Step.PERSON_ROLE: Step.WHO,
    Step.PERSON_LEADER: Step.WHO,
    Step.PERSON_MORE: Step.WHO,
    Step.CONTACT: Step.REVIEW,
    Step.WISHES: Step.REVIEW,
    Step.REVIEW_CHANGE: Step.REVIEW,
    Step.REVIEW_DELETE: Step.REVIEW,
}
LIMITS: dict[str, int] = {Step.WHAT: 4000, Step.NAME: 200}
DEFAULT_LIMIT = 1000
WHAT_TOTAL_LIMIT = 20000
FIELDS = {
    "anonymity": N_("field.anonymity"),
    "role": N_("field.role"),
    "what": N_("field.what"),
    "when": N_("field.when"),
    "where": N_("field.where"),
    "who": N_("field.who"),
    "witnesses": N_("field.witnesses"),
    "unit": N_("field.unit"),
    "wishes": N_("field.wishes"),
}
QUESTIONS = {
    "anonymity": N_("ask.anonymity"),
    "name": N_("ask.name"),
    "role": N_("ask.role"),
    "category": N_("ask.category"),
    "affected": N_("ask.affected"),
    "what": N_("ask.what"),
    "when": N_("ask.when"),
    "where": N_("ask.where"),
    "who": N_("ask.who"),
    "person_role": N_("ask.person_role"),
    "person_leader": N_("ask.person_leader"),
    "person_more": N_("ask.person_more"),
    "witnesses": N_("ask.witnesses"),
    "unit": N_("ask.unit"),
    "wishes": N_("ask.wishes"),
    "contact": N_("ask.contact"),
    "review_change": N_("ask.review_change"),
    "review_delete": N_("ask.review_delete"),
}
# Words in a person's role that make them a leader (routing sends such a report higher).
LEADER_WORDS = re.compile(
    r"leder|leiar|sjef|direktør|rektor|ordfører|chef|ledare|direktör|föreståndare|"
    r"manager|leader|boss|director|head\b|supervisor|chief|president|chair",
    re.IGNORECASE,
)
# How a typed "who" answer separates the name from the role: "Per Hansen, team leader".
NAME_ROLE = re.compile(r"\s*(?:,|;|\s[-\u2013\u2014]\s|\()\s*")
# Roles that are plainly not leaders: the leader question is not asked about them. Whole
# roles only ("styremedlem", a board member, is asked about).
NOT_LEADERS = frozenset(
    [
        "kollega",
        "kolleger",
        "kollegaer",
        "colleague",
        "coworker",
        "co-worker",
        "medarbeider",
        "medarbetare",
        "arbeidskamerat",
        "arbetskamrat",
        "ansatt",
        "anställd",
        "employee",
        "medlem",
        "member",
        "frivillig",
        "volunteer",
        "deltaker",
        "deltagare",
        "participant",
        "student",
        "elev",
        "praktikant",
        "intern",
        "trainee",
        "lærling",
    ]
)
# A "when" answer this long that reads as no time is more of "what happened", not a time.
STORY_WORDS = 12
# A message of this many words is a sentence, not a short answer: at "when", one that reads as
# no time is more of the story; at the welcome, it is someone's story, not a wrong button.
SENTENCE_WORDS = 7


def main_step(state: str) -> str:
    return SUBSTATES.get(state, state)


@dataclass(slots=True)
class Context:
    """What a turn needs: the language, the organisation, the local time and the draft."""

    tr: Translator
    org: Org
    now: datetime  # in the organisation's zone
    draft: Draft = field(default_factory=lambda: Draft())

    def steps(self) -> tuple[str, ...]:
        if len(self.org.units) > 1:
            return STEPS
        return tuple(s for s in STEPS if s != Step.UNIT)

    def t(self, key: str, **values: object) -> str:
        return self.tr.t(key, **values)


@dataclass(slots=True)
class Outcome:
    """The result of one answer: the next state, or a kind complaint and the same state."""

    state: str
    problem: str | None = None


def limit_for(state: str) -> int:
    return LIMITS.get(state, DEFAULT_LIMIT)


def _choice(state: str, value: str, label: str) -> Choice:
    return Choice(f"{state}:{value}", label)


def choices_for(state: str, ctx: Context) -> tuple[Choice, ...]:
    """The buttons offered in `state` (Back is added wherever there is a way back)."""
    t = ctx.t
    options: list[Choice] = []
    if state == Step.ANONYMITY:
        options = [_choice(state, k, t(v)) for k, v in ANONYMITY.items()]
    elif state == Step.ROLE:
        options = [_choice(state, k, t(v)) for k, v in ROLES.items()]
    elif state == Step.CATEGORY:
        options = [_choice(state, k, t(v)) for k, v in CATEGORIES.items()]
    elif state == Step.AFFECTED:
        options = [_choice(state, "skip", t("button.skip"))]
    elif state == Step.WHAT and ctx.draft.get("what"):
        options = [_choice(state, "done", t("button.done"))]
    elif state == Step.RECALL:
        options = [
            _choice(state, "yes", t("button.recall_right")),
            _choice(state, "no", t("button.recall_write")),
        ]
    elif state == Step.WHEN:
        options = [_choice(state, "unknown", t("answer.dont_know"))]
    elif state == Step.WHEN_CONFIRM:
        options = [
            _choice(state, "yes", t("button.reading_right")),
            _choice(state, "words", t("button.reading_words_only")),
            _choice(state, "again", t("button.write_again")),
        ]
    elif state in (Step.WHO, Step.PERSON_ROLE, Step.WHERE):
        options = [_choice(state, "unknown", t("answer.dont_know"))]
    elif state == Step.WITNESSES:
        options = [
            _choice(state, "skip", t("button.skip")),
            _choice(state, "more", t("button.add_person")),
        ]
    elif state == Step.PERSON_LEADER:
        options = [_choice(state, k, t(v)) for k, v in LEADER.items()]
    elif state == Step.PERSON_MORE:
        options = [
            _choice(state, "more", t("button.add_person")),
            _choice(state, "done", t("button.no_more_people")),
        ]
    elif state == Step.WISHES:
        options = [_choice(state, "skip", t("button.skip"))]
    elif state == Step.UNIT:
        options = [_choice(state, u.id, u.name) for u in ctx.org.units]
    elif state == Step.CONTACT:
        options = [_choice(state, "yes", t("answer.yes")), _choice(state, "no", t("answer.no"))]
    elif state == Step.REVIEW:
        contact = (
            N_("button.contact_no") if ctx.draft.get("contact", True) else N_("button.contact_yes")
        )
        options = [
            _choice(state, "send", t("button.send")),
            _choice(state, "change", t("button.change_something")),
            _choice(state, "contact", t(contact)),
            _choice(state, "delete", t("button.delete")),
            _choice(state, "help", t("button.help_now")),
        ]
    elif state == Step.REVIEW_CHANGE:
        options = []
        people = ctx.draft.get("people") or []
        for step in ctx.steps():
            if step == Step.WHO and len(people) > 1:  # each person on their own
                options += [
                    _choice(state, f"edit:{step}:{i}", f"{t(FIELDS[step])}: {_name(p, ctx)}")
                    for i, p in enumerate(people)
                ]
            elif step != Step.REVIEW:
                options.append(_choice(state, f"edit:{step}", t(FIELDS[step])))
        if ctx.draft.get("wishes"):
            wishes = FIELDS[Step.WISHES]
            options.append(_choice(state, f"edit:{Step.WISHES}", t(wishes)))
        options.append(_choice(state, "review", t("button.back_to_review")))
    elif state == Step.REVIEW_DELETE:
        options = [
            _choice(state, "yes", t("button.delete_confirm")),
            _choice(state, "no", t("button.back_to_review")),
        ]
    if state not in (Step.ANONYMITY, Step.REVIEW, Step.REVIEW_CHANGE, Step.REVIEW_DELETE):
        options.append(Choice("nav:back", t("button.back")))
    return tuple(options)


def step_line(state: str, ctx: Context) -> str:
    steps = ctx.steps()
    return ctx.t("step", number=steps.index(main_step(state)) + 1, total=len(steps))


def prompt(state: str, ctx: Context) -> Reply:
    """The question for `state`, under the step indicator."""
    if state == Step.REVIEW:
        return Reply(f"{step_line(state, ctx)}\n{review_text(ctx)}", choices_for(state, ctx))
    if state == Step.WHEN_CONFIRM:
        body = ctx.t("ask.when_confirm", reading=describe_when(ctx.draft["when"], ctx.tr))
    elif state == Step.RECALL:
        body = recall_question(ctx)
    elif state == Step.WHAT and ctx.draft.get("what"):
        body = ctx.t("ask.what_more")
    elif state == Step.PERSON_ROLE or state == Step.PERSON_LEADER:
        name = ctx.draft.get("person", {}).get("name") or ""
        if not name or len(name.split()) > 4:  # a description reads badly repeated twice
            name = ctx.t("person.unnamed")
        body = ctx.t(QUESTIONS[state], person=name)
    else:
        body = ctx.t(QUESTIONS[state])
    if ctx.draft.get("editing") and state == main_step(state):
        body = body + "\n" + ctx.t("edit.replaces")
    return Reply(f"{step_line(state, ctx)}\n{body}", choices_for(state, ctx))


def first_state() -> str:
    return Step.ANONYMITY


def next_step(state: str, ctx: Context) -> str:
    """The first state of the step after `state`'s step, or review when editing."""
    if ctx.draft.pop("editing", False):
        return Step.REVIEW
    steps = ctx.steps()
    return steps[steps.index(main_step(state)) + 1]


def recall_question(ctx: Context) -> str:
    """The question that offers the time and place read from "what" for confirmation."""
    recalled = ctx.draft.get("recalled") or {}
    reading = describe_when(recalled["when"], ctx.tr) if "when" in recalled else ""
    if "where" in recalled:
        place = recalled["where"]
        place = place[:1].lower() + place[1:]  # "På festen" begins a sentence in the story
        return ctx.t("ask.recall_place", reading=reading, place=place)
    return ctx.t("ask.recall", reading=reading)


def split_person(text: str) -> Person:
    """ "Per Hansen, team leader" as a name and a role; a role alone is not a name."""
    parts = NAME_ROLE.split(text.strip(), maxsplit=1)
    role = parts[1].strip().rstrip(")").strip() if len(parts) == 2 else ""
    return {"name": parts[0].strip(), "role": role}


def _finish_person(ctx: Context, person: Person, leader: str | None) -> Outcome:
    d = ctx.draft
    person["leader"] = leader
    d.pop("person", None)
    d.setdefault("people", []).insert(d.pop("edit_slot", len(d["people"])), person)
    limit = ctx.org.limits.people_per_report
    if len(d["people"]) >= limit:
        return Outcome(next_step(Step.WHO, ctx), ctx.t("problem.people_full", limit=limit))
    return Outcome(next_step(Step.WHO, ctx))


def _after_role(ctx: Context) -> str:
    if not ctx.draft.get("category"):
        return Step.CATEGORY
    return next_step(Step.ROLE, ctx)


def _recall(ctx: Context) -> Recalled:
    """The time (and place) read out of everything written in "what", kept to confirm."""
    story = "\n".join(ctx.draft.get("what", []))
    ctx.draft["recalled"] = recall(story, ctx.tr.language, ctx.now.replace(tzinfo=None))
    return ctx.draft["recalled"]


def _read_when(ctx: Context, words: str) -> WhenAnswer:
    reading = read_when(words, ctx.tr.language, ctx.now.replace(tzinfo=None))
    return when_answer(reading, confirmed=False)


def answer(state: str, ctx: Context, text: str | None, choice: str | None) -> Outcome:
    """Apply one answer (typed `text` or a button's `choice` value) to the draft."""
    d = ctx.draft
    if state == Step.ANONYMITY:
        d["anonymity"] = choice
        if choice == "anonymous":
            d.pop("name", None)
            return Outcome(next_step(state, ctx))
        return Outcome(Step.NAME)
    if state == Step.NAME:
        if text is None:
            return Outcome(state, ctx.t("problem.type_answer"))
        d["name"] = text
        return Outcome(next_step(state, ctx))
    if state == Step.ROLE:
        d["role"] = choice
        if choice in ("witness", "told"):
            return Outcome(Step.AFFECTED)
        d.pop("affected", None)
        return Outcome(_after_role(ctx))
    if state == Step.AFFECTED:
        d["affected"] = text or ""
        return Outcome(_after_role(ctx))
    if state == Step.CATEGORY:
        d["category"] = choice
        return Outcome(next_step(state, ctx))
    if state == Step.WHAT:
        if choice == "done":
            return Outcome(next_step(state, ctx))
        d.setdefault("what", []).append(text or "")
        if d.get("editing") or "when" in d:
            return Outcome(next_step(state, ctx))
        return Outcome(Step.RECALL if _recall(ctx) else next_step(state, ctx))
    if state == Step.RECALL:
        if text is not None and len(text.split()) >= STORY_WORDS:
            d.setdefault("what", []).append(text)  # more of the story, written after it
            return Outcome(Step.RECALL, ctx.t("what.added"))
        if text is not None:  # an answer to a later question, or "vet ikke": ask with buttons
            return Outcome(Step.RECALL, ctx.t("problem.recall_buttons"))
        recalled = d.get("recalled") or {}
        if choice != "yes" or "when" not in recalled:
            return Outcome(Step.WHEN)
        d["when"] = recalled["when"]
        if "where" in recalled:
            d["where"] = recalled["where"]
            return Outcome(next_step(Step.WHERE, ctx))
        return Outcome(Step.WHERE)
    if state == Step.WHEN:
        words = text if text is not None else ctx.t("answer.dont_know")
        if text is not None and len(words.split()) >= STORY_WORDS:
            # More of the story (a second message), not a short answer about the time: kept
            # with "what", and the time it names, if any, offered like the first message's.
            d.setdefault("what", []).append(words)
            return Outcome(Step.RECALL if _recall(ctx) else Step.WHEN, ctx.t("what.added"))
        when = _read_when(ctx, words)
        unread = when["kind"] == "unknown" and text is not None
        if unread and len(words.split()) >= SENTENCE_WORDS:
            d.setdefault("what", []).append(words)  # a sentence that is no time: the story
            return Outcome(Step.WHEN, ctx.t("what.added"))
        d["when"] = when
        if unread and not d.get("when_retried"):
            d["when_retried"] = True  # not read: say so, and ask once more with examples
            return Outcome(Step.WHEN, ctx.t("when.unread"))
        d.pop("when_retried", None)
        return Outcome(next_step(state, ctx) if when["kind"] == "unknown" else Step.WHEN_CONFIRM)
    if state == Step.WHEN_CONFIRM:
        if choice == "again":
            return Outcome(Step.WHEN)
        if choice == "words":
            d["when"]["kind"], d["when"]["start"], d["when"]["end"] = "unknown", None, None
        d["when"]["confirmed"] = choice == "yes"
        return Outcome(next_step(state, ctx))
    if state == Step.WHERE:
        d["where"] = text or ""  # "" where the reporter does not know
        return Outcome(next_step(state, ctx))
    if state == Step.WHO:
        person = split_person(text) if text else {"name": "", "role": ""}
        if not person["name"] and not person["role"]:
            return _finish_person(ctx, person, "unknown")  # nothing known to ask about
        if LEADER_WORDS.search(text or ""):  # "Per, avdelingsleder", "sjefen min"
            return _finish_person(ctx, person, "yes")
        if person["role"].casefold() in NOT_LEADERS:  # "Ola, kollega"
            return _finish_person(ctx, person, "no")
        d["person"] = person
        return Outcome(Step.PERSON_LEADER)
    if state == Step.PERSON_ROLE:  # a draft begun before name and role were one answer
        d.setdefault("person", {"name": ""})["role"] = text or ""
        return Outcome(Step.PERSON_LEADER)
    if state == Step.PERSON_LEADER:
        return _finish_person(ctx, d.get("person") or Person(name=""), choice)
    if state == Step.PERSON_MORE:  # a draft begun before "another person" moved
        return Outcome(Step.WHO if choice == "more" else next_step(state, ctx))
    if state == Step.WITNESSES:
        if choice == "more":
            return Outcome(Step.WHO)
        d["witnesses"] = text or ""
        return Outcome(next_step(state, ctx))
    if state == Step.UNIT:
        d["unit"] = choice
        return Outcome(next_step(state, ctx))
    if state == Step.WISHES:  # a draft begun before wishes moved to the review
        d["wishes"] = text or ""
        return Outcome(Step.REVIEW)
    if state == Step.REVIEW:  # words written at the review are the reporter's wishes
        if fold(text or "") in WORDS["skip"] | WORDS["unknown"]:
            return Outcome(Step.REVIEW)  # "skip": no wishes; the review stays as it was
        # Each message adds to the wishes ("change an answer" → wishes starts them afresh).
        d["wishes"] = "\n".join(w for w in (d.get("wishes"), text) if w)
        return Outcome(Step.REVIEW, ctx.t("review.wishes_noted"))
    if state == Step.CONTACT:  # a draft begun before contact moved to the review
        d["contact"] = choice == "yes"
        d.pop("editing", None)
        return Outcome(Step.REVIEW)
    raise ValueError(f"no answer handler for state {state!r}")


def step_back(state: str, draft: Draft) -> None:
    """Undo what an answer put in the draft when /back returns to `state`'s question.

    Going back to a person's leader question takes that person out of the list again, to be
    finished anew; going back to "who" drops the person that answer began (or finished).
    """
    if state in (Step.PERSON_ROLE, Step.PERSON_LEADER) and "person" not in draft:
        if draft.get("people"):
            draft["person"] = draft["people"].pop()
    elif state == Step.WHO:
        if "person" in draft:
            draft.pop("person")
        elif draft.get("people"):
            draft["people"].pop()
    elif state == Step.WHEN:
        draft.pop("when_retried", None)


def takes_text(state: str) -> bool:
    """Whether typed text is an answer here (otherwise only the buttons are)."""
    return state in (
        Step.NAME,
        Step.AFFECTED,
        Step.WHAT,
        Step.RECALL,
        Step.WHEN,
        Step.WHERE,
        Step.WHO,
        Step.PERSON_ROLE,
        Step.WITNESSES,
        Step.WISHES,
        Step.REVIEW,
    )


def start_edit(step: str, ctx: Context) -> str:
    """Go back from review to change one step; list answers start again from empty, but
    "who:N" changes only the Nth person (the new answer takes their place)."""
    d = ctx.draft
    d["editing"] = True
    step, _, index = step.partition(":")
    if step == Step.WHAT:
        d["what"] = []
    if step == Step.WHO and index.isdigit() and int(index) < len(d.get("people") or []):
        d["people"].pop(int(index))
        d["edit_slot"] = int(index)
        d.pop("person", None)
    elif step == Step.WHO:
        d["people"] = []
        d.pop("person", None)
    if step == Step.ROLE:
        d.pop("category", None)
        d.pop("affected", None)
    if step == Step.WHEN:
        d.pop("when_retried", None)
    return step


def _name(person: Person, ctx: Context) -> str:
    return str(person.get("name") or ctx.t("person.unknown"))


def person_text(person: Person, tr: Translator) -> str:
    leader = tr.t(LEADER.get(person.get("leader") or "unknown", "answer.dont_know"))
    return tr.t(
        "review.person",
        name=person.get("name") or tr.t("person.unknown"),
        role=person.get("role") or tr.t("answer.dont_know"),
        leader=leader,
    )


def people_text(people: list[Person], tr: Translator) -> str:
    return "\n".join(person_text(p, tr) for p in people) or "—"


def answers(ctx: Context) -> dict[str, str]:
    """Each step's answer as the reporter will see it in the review."""
    d, t, tr = ctx.draft, ctx.t, ctx.tr
    anonymity = t(ANONYMITY.get(d.get("anonymity") or "", "answer.dont_know"))
    if d.get("name"):
        anonymity = f"{anonymity} ({d['name']})"
    when = d.get("when") or {"words": "", "kind": "unknown"}
    unit = ctx.org.unit(d.get("unit"))
    role = t(ROLES.get(d.get("role") or "", "answer.dont_know"))
    if d.get("role") in ("witness", "told"):
        role += " · " + t("review.affected", person=d.get("affected") or t("answer.dont_know"))
    return {
        "anonymity": anonymity,
        "role": " · ".join([role, t(CATEGORIES.get(d.get("category") or "", "answer.dont_know"))]),
        "what": "\n\n".join(d.get("what", [])) or "—",
        "when": words_and_reading(when, tr),
        "where": d.get("where") or "—",
        "who": people_text(d.get("people", []), tr),
        "witnesses": d.get("witnesses") or "—",
        "unit": unit.name if unit else "—",
        "wishes": d.get("wishes") or "—",
    }


def review_text(ctx: Context) -> str:
    """The whole draft, grouped to fit a phone: the story first, then one line per answer."""
    shown = answers(ctx)
    t = ctx.t
    lines = [t("review.intro"), "", f"{t(FIELDS['what'])}:", shown["what"], ""]
    for step in ctx.steps():
        if step in (Step.REVIEW, Step.WHAT):
            continue
        lines.append(f"{t(FIELDS[step])}: {shown[step]}")
    lines.append(f"{t(FIELDS['wishes'])}: {shown['wishes']}")
    contact = t("answer.yes") if ctx.draft.get("contact", True) else t("answer.no")
    lines.append(t("review.contact", answer=contact))
    group = route(ctx.org, unit_of(ctx), about_leader(ctx.draft), named(ctx.draft)).group
    lines += ["", t("review.readers", group=group.name)]
    if not ctx.draft.get("wishes"):
        lines += ["", t("review.wishes_ask")]
    return "\n".join(lines)


def unit_of(ctx: Context) -> str:
    """The chosen unit, or the only one there is."""
    return str(ctx.draft.get("unit") or ctx.org.units[0].id)
