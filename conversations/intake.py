"""The reporter's intake conversation: its steps, questions, answers and review (no I/O).

The flow is drawn in conversations/intake.md. Each state asks one question; `answer` checks
the reply and says which state comes next. The engine stores the draft and handles commands.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from conversations.i18n import N_, Translator
from conversations.messages import Choice
from conversations.org import Org
from conversations.routing import route
from conversations.when import read_when

# Main steps in order; sub-states belong to the step they refine.
STEPS = (
    "anonymity",
    "role",
    "what",
    "when",
    "where",
    "who",
    "witnesses",
    "unit",
    "wishes",
    "review",
)
SUBSTATES = {
    "name": "anonymity",
    "category": "role",
    "when_confirm": "when",
    "person_role": "who",
    "person_leader": "who",
    "person_more": "who",
    "contact": "wishes",
}
LIMITS = {"what": 4000, "name": 200}
DEFAULT_LIMIT = 1000
WHAT_TOTAL_LIMIT = 20000
ANONYMITY = {
    "anonymous": N_("anonymity.anonymous"),
    "confidential": N_("anonymity.confidential"),
    "open": N_("anonymity.open"),
}
ROLES = {"me": N_("role.me"), "witness": N_("role.witness"), "told": N_("role.told")}
CATEGORIES = {
    "sexual": N_("category.sexual"),
    "harassment": N_("category.harassment"),
    "discrimination": N_("category.discrimination"),
    "other": N_("category.other"),
}
LEADER = {"yes": N_("answer.yes"), "no": N_("answer.no"), "unknown": N_("answer.dont_know")}
STATUS = {
    "received": N_("status.received"),
    "acknowledged": N_("status.acknowledged"),
    "in_progress": N_("status.in_progress"),
    "closed": N_("status.closed"),
}
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
}


def main_step(state: str) -> str:
    return SUBSTATES.get(state, state)


@dataclass(slots=True)
class Reply:
    """One message of the bot's answer before it gets an address."""

    text: str
    choices: tuple[Choice, ...] = ()


@dataclass(slots=True)
class Context:
    """What a turn needs: the language, the organisation, the local time and the draft."""

    tr: Translator
    org: Org
    now: datetime  # in the organisation's zone
    draft: dict[str, Any] = field(default_factory=dict)

    def steps(self) -> tuple[str, ...]:
        if len(self.org.units) > 1:
            return STEPS
        return tuple(s for s in STEPS if s != "unit")

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
    if state == "anonymity":
        options = [_choice(state, k, t(v)) for k, v in ANONYMITY.items()]
    elif state == "role":
        options = [_choice(state, k, t(v)) for k, v in ROLES.items()]
    elif state == "category":
        options = [_choice(state, k, t(v)) for k, v in CATEGORIES.items()]
    elif state == "what" and ctx.draft.get("what"):
        options = [_choice(state, "done", t("button.done"))]
    elif state == "when":
        options = [_choice(state, "unknown", t("answer.dont_know"))]
    elif state == "when_confirm":
        options = [
            _choice(state, "yes", t("button.reading_right")),
            _choice(state, "words", t("button.reading_words_only")),
            _choice(state, "again", t("button.write_again")),
        ]
    elif state in ("who", "person_role"):
        options = [_choice(state, "unknown", t("answer.dont_know"))]
    elif state == "person_leader":
        options = [_choice(state, k, t(v)) for k, v in LEADER.items()]
    elif state == "person_more":
        options = [
            _choice(state, "more", t("button.add_person")),
            _choice(state, "done", t("button.no_more_people")),
        ]
    elif state in ("witnesses", "wishes"):
        options = [_choice(state, "skip", t("button.skip"))]
    elif state == "unit":
        options = [_choice(state, u.id, u.name) for u in ctx.org.units]
    elif state == "contact":
        options = [_choice(state, "yes", t("answer.yes")), _choice(state, "no", t("answer.no"))]
    elif state == "review":
        options = [_choice(state, "send", t("button.send"))]
        options += [
            _choice(state, f"edit:{step}", t("button.change", what=t(FIELDS[step])))
            for step in ctx.steps()
            if step != "review"
        ]
        options.append(_choice(state, "delete", t("button.delete")))
    if state != "anonymity" and state != "review":
        options.append(Choice("nav:back", t("button.back")))
    return tuple(options)


def step_line(state: str, ctx: Context) -> str:
    steps = ctx.steps()
    return ctx.t("step", number=steps.index(main_step(state)) + 1, total=len(steps))


def prompt(state: str, ctx: Context) -> Reply:
    """The question for `state`, under the step indicator."""
    if state == "review":
        return Reply(f"{step_line(state, ctx)}\n{review_text(ctx)}", choices_for(state, ctx))
    if state == "when_confirm":
        body = ctx.t("ask.when_confirm", reading=describe_when(ctx.draft["when"], ctx.tr))
    elif state == "what" and ctx.draft.get("what"):
        body = ctx.t("ask.what_more")
    elif state == "person_role" or state == "person_leader":
        body = ctx.t(QUESTIONS[state], person=ctx.draft.get("person", {}).get("name", ""))
    else:
        body = ctx.t(QUESTIONS[state])
    if ctx.draft.get("editing") and state == main_step(state):
        body = body + "\n" + ctx.t("edit.replaces")
    return Reply(f"{step_line(state, ctx)}\n{body}", choices_for(state, ctx))


def first_state() -> str:
    return "anonymity"


def next_step(state: str, ctx: Context) -> str:
    """The first state of the step after `state`'s step, or review when editing."""
    if ctx.draft.pop("editing", False):
        return "review"
    steps = ctx.steps()
    return steps[steps.index(main_step(state)) + 1]


def answer(state: str, ctx: Context, text: str | None, choice: str | None) -> Outcome:
    """Apply one answer (typed `text` or a button's `choice` value) to the draft."""
    d = ctx.draft
    if state == "anonymity":
        d["anonymity"] = choice
        return Outcome("role" if choice == "anonymous" else "name")
    if state == "name":
        if text is None:
            return Outcome(state, ctx.t("problem.type_answer"))
        d["name"] = text
        return Outcome(next_step(state, ctx))
    if state == "role":
        d["role"] = choice
        return Outcome("category")
    if state == "category":
        d["category"] = choice
        return Outcome(next_step(state, ctx))
    if state == "what":
        if choice == "done":
            return Outcome(next_step(state, ctx))
        d.setdefault("what", []).append(text or "")
        return Outcome("what")
    if state == "when":
        words = text if text is not None else ctx.t("answer.dont_know")
        reading = read_when(words, ctx.tr.language, ctx.now.replace(tzinfo=None))
        d["when"] = {
            "words": words,
            "kind": reading.kind,
            "start": reading.start.isoformat() if reading.start else None,
            "end": reading.end.isoformat() if reading.end else None,
            "confirmed": False,
        }
        return Outcome(next_step(state, ctx) if reading.kind == "unknown" else "when_confirm")
    if state == "when_confirm":
        if choice == "again":
            return Outcome("when")
        if choice == "words":
            d["when"].update(kind="unknown", start=None, end=None)
        d["when"]["confirmed"] = choice == "yes"
        return Outcome(next_step(state, ctx))
    if state == "where":
        d["where"] = text
        return Outcome(next_step(state, ctx))
    if state == "who":
        d["person"] = {"name": text or ctx.t("answer.dont_know")}
        return Outcome("person_role")
    if state == "person_role":
        d["person"]["role"] = text or ctx.t("answer.dont_know")
        return Outcome("person_leader")
    if state == "person_leader":
        person = d.pop("person", {})
        person["leader"] = choice
        d.setdefault("people", []).append(person)
        return Outcome("person_more")
    if state == "person_more":
        return Outcome("who" if choice == "more" else next_step(state, ctx))
    if state == "witnesses":
        d["witnesses"] = text or ""
        return Outcome(next_step(state, ctx))
    if state == "unit":
        d["unit"] = choice
        return Outcome(next_step(state, ctx))
    if state == "wishes":
        d["wishes"] = text or ""
        return Outcome("contact")
    if state == "contact":
        d["contact"] = choice == "yes"
        return Outcome(next_step(state, ctx))
    raise ValueError(f"no answer handler for state {state!r}")


def takes_text(state: str) -> bool:
    """Whether typed text is an answer here (otherwise only the buttons are)."""
    return state in ("name", "what", "when", "where", "who", "person_role", "witnesses", "wishes")


def start_edit(step: str, ctx: Context) -> str:
    """Go back from review to change one step; list answers start again from empty."""
    ctx.draft["editing"] = True
    if step == "what":
        ctx.draft["what"] = []
    if step == "who":
        ctx.draft["people"] = []
    if step == "anonymity":
        ctx.draft.pop("name", None)
    return step


def describe_when(when: dict[str, Any], tr: Translator) -> str:
    """The bot's reading of the reporter's words, in plain words."""
    kind = when["kind"]
    start = date.fromisoformat(when["start"]) if when.get("start") else None
    end = date.fromisoformat(when["end"]) if when.get("end") else None
    if kind == "date" and start:
        return tr.day_text(start)
    if kind == "period" and start and end:
        return tr.t("when.period", start=tr.date_text(start), end=tr.date_text(end))
    if kind == "ongoing":
        return (
            tr.t("when.ongoing_since", start=tr.date_text(start)) if start else tr.t("when.ongoing")
        )
    if kind == "repeated":
        if start and end:
            return tr.t("when.repeated_between", start=tr.date_text(start), end=tr.date_text(end))
        return tr.t("when.repeated")
    return tr.t("when.unknown")


def people_text(people: list[dict[str, str]], tr: Translator) -> str:
    lines = []
    for person in people:
        leader = tr.t(LEADER.get(person.get("leader", "unknown"), "answer.dont_know"))
        lines.append(
            tr.t(
                "review.person",
                name=person.get("name", ""),
                role=person.get("role", ""),
                leader=leader,
            )
        )
    return "\n".join(lines) or "—"


def answers(ctx: Context) -> dict[str, str]:
    """Each step's answer as the reporter will see it in the review."""
    d, t, tr = ctx.draft, ctx.t, ctx.tr
    anonymity = t(ANONYMITY.get(d.get("anonymity", ""), "answer.dont_know"))
    if d.get("name"):
        anonymity = f"{anonymity} ({d['name']})"
    when = d.get("when") or {"words": "", "kind": "unknown"}
    unit = ctx.org.unit(d.get("unit"))
    contact = t("answer.yes") if d.get("contact") else t("answer.no")
    return {
        "anonymity": anonymity,
        "role": " · ".join(
            [
                t(ROLES.get(d.get("role", ""), "answer.dont_know")),
                t(CATEGORIES.get(d.get("category", ""), "answer.dont_know")),
            ]
        ),
        "what": "\n\n".join(d.get("what", [])) or "—",
        "when": f"{when['words']} ({describe_when(when, tr)})",
        "where": d.get("where") or "—",
        "who": people_text(d.get("people", []), tr),
        "witnesses": d.get("witnesses") or "—",
        "unit": unit.name if unit else "—",
        "wishes": "\n".join(filter(None, [d.get("wishes"), t("review.contact", answer=contact)])),
    }


def review_text(ctx: Context) -> str:
    shown = answers(ctx)
    parts = [ctx.t("review.intro")]
    for number, step in enumerate(s for s in ctx.steps() if s != "review"):
        parts.append(f"{number + 1}. {ctx.t(FIELDS[step])}:\n{shown[step]}")
    group = route(ctx.org, unit_of(ctx), about_leader(ctx.draft), named(ctx.draft)).group
    parts.append(ctx.t("review.readers", group=group.name))
    return "\n\n".join(parts)


def unit_of(ctx: Context) -> str:
    """The chosen unit, or the only one there is."""
    return str(ctx.draft.get("unit") or ctx.org.units[0].id)


def named(draft: dict[str, Any]) -> list[str]:
    """The names (or descriptions) of the people the report is about."""
    return [str(p.get("name", "")) for p in draft.get("people", [])]


def about_leader(draft: dict[str, Any]) -> bool:
    return any(p.get("leader") == "yes" for p in draft.get("people", []))
