"""The reporter's intake conversation, driven through the console adapter and a real SQLite file."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from conversations.cases import read_case
from conversations.engine import Engine
from storage.models import Case, CaseLogEntry, Conversation
from tests.chat import Chat, record_keys

WORDS = {
    "nb": ("sist torsdag", "Ferdig", "Send varselet", "Referansen din"),
    "sv": ("i torsdags", "Klar", "Skicka anmälan", "Din referens"),
    "en": ("last Thursday", "Done", "Send the report", "Your reference"),
}


def file_report(chat: Chat, language: str, what: str = "He would not stop touching me.") -> str:
    """Walk the whole intake by typing what a reporter types; returns the receipt text."""
    when, _, send, _ = WORDS[language]
    chat.send("/start")
    for line in ("1", "1", "1", what, when):  # sexual harassment; anonymous; it happened to me
        chat.send(line)
    for line in ("1", "At the office party", "Ola Nordmann, Board member", "2"):
        chat.send(line)
    for line in ("1", "1", "I want it to stop"):  # no witnesses; the first unit
        chat.send(line)
    chat.press(send)
    return chat.last


def cases(engine: Engine) -> list[Case]:
    with engine.sessions() as session:
        return list(session.scalars(select(Case)))


@pytest.mark.parametrize("language", ["nb", "sv", "en"])
def test_scripted_report_in_each_language_reaches_an_encrypted_case(engine, language):
    """A scripted console session in nb, sv and en ends in a stored case and a receipt."""
    chat = Chat(engine, locale={"nb": "nb-NO", "sv": "sv-SE", "en": "en-GB"}[language])
    receipt = file_report(chat, language)
    (case,) = cases(engine)
    assert WORDS[language][3] in receipt
    assert case.reference in receipt
    assert case.language == language
    with engine.sessions() as session:
        fields = read_case(session, engine.vault, case)
    assert fields["what"] == "He would not stop touching me."
    assert fields["place"] == "At the office party"
    assert json.loads(fields["people"])[0]["name"] == "Ola Nordmann"
    assert json.loads(fields["when_reading"])["start"] == "2026-11-12"


def test_every_step_shows_where_the_reporter_is(chat):
    """Each question carries a 'step N of M' line, counting up to the review."""
    chat.send("/start")
    chat.send("2")  # something else than sexual harassment: its kind is asked
    assert chat.last.startswith("Steg 1 av 9")
    chat.send("1")
    chat.send("1")
    assert chat.last.startswith("Steg 2 av 9")  # the kind of report refines step 2
    chat.send("1")
    assert chat.last.startswith("Steg 3 av 9")
    assert "«tilbake» går tilbake" in chat.last and "«avbryt» stopper" in chat.last


def test_welcome_names_the_readers_the_platform_and_help_lines(chat, org):
    """The welcome says who reads, what the platform sees, how to stop, and where to get help."""
    chat.send("/start")
    welcome = chat.last
    for group in org.groups:
        assert group.name in welcome
    assert "«avbryt»" in welcome and "112" in welcome
    assert len(welcome) < 400  # a short welcome; the rest is one press away
    chat.press("Hvem leser dette? Trygghet")
    about = chat.replies[-2].text
    assert "terminalen" in about and "«avbryt»" in about
    assert "112" in about and "116 117" in about


def test_receipt_states_deadlines_in_the_organisations_time_zone(engine):
    """The receipt gives the acknowledge date (7 days) and the feedback date (3 months more)."""
    receipt = file_report(Chat(engine, locale="en"), "en")
    assert "Wednesday, 25 November 2026" in receipt
    assert "Thursday, 25 February 2027" in receipt


def test_case_about_a_leader_goes_to_the_central_group(engine):
    """Naming a leader routes the case to the group marked for leaders, and the log says why."""
    chat = Chat(engine, locale="en")
    chat.send("/start")
    for line in ("1", "1", "1", "Something happened", "don't know", "office", "Kari, secretary",
                 "1", "1", "1"):  # fmt: skip
        chat.send(line)
    assert "Sentral varslingsgruppe" in chat.last
    chat.press("Send the report")
    (case,) = cases(engine)
    assert case.group_id == "sentral" and case.about_leader
    with engine.sessions() as session:
        routed = session.scalar(select(CaseLogEntry).where(CaseLogEntry.event == "routed"))
    assert routed is not None and routed.facts == {"group": "sentral", "reason": "leader"}


def test_draft_survives_a_restart_and_continues_where_it_stopped(engine, chat):
    """A new engine on the same database continues the reporter's draft at the same question."""
    chat.send("/start")
    for line in ("1", "1", "1", "What happened"):
        chat.send(line)
    restarted = Engine(
        engine.sessions, engine.vault, engine.org, engine.channels, clock=engine.clock
    )
    again = Chat(restarted, user_id=chat.user_id)
    again.send("/start")
    assert "fortsetter der du slapp" in again.replies[0].text
    again.send("i går")
    again.press("Ja")
    assert again.last.startswith("Steg 5 av 9")


def test_cancel_deletes_the_draft_and_its_key(engine, chat):
    """/cancel removes the draft and destroys its data key, and says so."""
    chat.send("/start")
    for line in ("1", "1", "1", "Something I regret writing"):
        chat.send(line)
    chat.send("/cancel")
    assert "slettet" in chat.last
    with engine.sessions() as session:
        conversation = session.scalar(select(Conversation))
        assert conversation is not None and conversation.draft is None
    assert record_keys(engine) == 0
    assert cases(engine) == []


def test_back_returns_to_the_previous_question(chat):
    """/back (or the Back button) goes one question back without losing the answers."""
    chat.send("/start")
    chat.send("1")
    chat.send("1")
    chat.send("/back")
    assert chat.last.startswith("Steg 1 av 9")
    chat.send("1")
    chat.press("Tilbake")
    assert chat.last.startswith("Steg 1 av 9")


def test_review_lets_the_reporter_change_one_answer(engine):
    """From the review, one answer can be changed, and the review comes back with it."""
    chat = Chat(engine, locale="en")
    file_report_until_review(chat)
    chat.press("Change an answer")
    chat.press("Where")
    assert "replaces" in chat.last
    chat.send("In the car park")
    assert "In the car park" in chat.last and "Send the report" in chat.labels()


def file_report_until_review(chat: Chat) -> None:
    chat.send("/start")
    for line in ("1", "1", "1", "It happened", "yesterday", "1", "At work", "Someone, secretary",
                 "2", "1", "1"):  # fmt: skip
        chat.send(line)


def test_language_can_be_changed_midway(chat):
    """/language switches the conversation's language and repeats the current question."""
    chat.send("/start")
    chat.send("1")
    chat.send("/language")
    chat.press("Svenska")
    assert "Nu pratar vi svenska." in chat.replies[-2].text
    assert chat.last.startswith("Steg 1 av 9")
    assert "Anonymt" in chat.labels()


def test_status_lists_the_reporters_cases_only(engine):
    """/status lists the reporter's own cases with their state, and no one else's."""
    mine = Chat(engine, user_id="me", locale="en")
    file_report(mine, "en")
    other = Chat(engine, user_id="someone-else", locale="en")
    other.send("/status")
    assert "no submitted reports" in other.last
    mine.send("/status")
    (case,) = cases(engine)
    assert case.reference in mine.last and "received" in mine.last


def test_help_lists_the_commands_and_repeats_the_question(chat):
    """/help explains the commands and then shows the current question again."""
    chat.send("/start")
    chat.send("1")
    chat.send("/help")
    assert "avbryt \u2013 slett alt" in chat.replies[-2].text
    assert chat.last.startswith("Steg 1 av 9")


def test_confidential_reporter_names_themselves(engine):
    """Choosing 'confidential' asks for the name the group will see, stored encrypted."""
    chat = Chat(engine, locale="en")
    chat.send("/start")
    chat.send("1")
    chat.press("Confidential")
    chat.send("Kari Nordmann")
    for line in ("1", "It happened", "yesterday", "1", "At work", "Someone, secretary", "2", "1",
                 "1"):  # fmt: skip
        chat.send(line)
    chat.press("Send the report")
    (case,) = cases(engine)
    assert case.anonymity == "confidential"
    with Session(engine.sessions.kw["bind"]) as session:
        assert read_case(session, engine.vault, case)["reporter_name"] == "Kari Nordmann"


def test_i_need_help_now_is_one_press_from_the_welcome_and_the_review(engine):
    """The emergency numbers come at once, first; nothing is sent, and the question stays."""
    chat = Chat(engine, locale="en")
    chat.send("/start")
    chat.press("I need help now")
    assert chat.replies[-2].text.startswith("If you are in danger now")
    assert "112" in chat.replies[-2].text.splitlines()[1]  # an emergency line first
    assert "Report sexual harassment" in chat.labels()
    file_report_until_review(chat)
    chat.press("I need help now")
    assert "112" in chat.replies[-2].text
    assert "Send the report" in chat.labels()
    with engine.sessions() as session:
        assert session.scalar(select(func.count()).select_from(Case)) == 0


def test_the_receipt_says_a_police_report_is_the_reporters_own_choice(engine):
    """The receipt says this report does not go to the police, and how to make one."""
    receipt = file_report(Chat(engine, locale="en"), "en")
    assert "does not go to the police" in receipt and "your own choice" in receipt


def test_after_cancel_the_welcome_buttons_lead_on(engine):
    """/cancel confirms, keeps nothing, and offers the welcome's buttons, which work."""
    chat = Chat(engine, locale="en")
    chat.send("/start")
    chat.press("Report sexual harassment")
    chat.send("/cancel")
    assert "Report sexual harassment" in chat.labels()
    chat.press("Report something else")
    assert chat.last.startswith("Step 1 of 9")


def test_an_unread_when_is_asked_once_more_then_kept_as_words(engine):
    """'i tisdgas' cannot be read: the bot says so with examples, once; the words are kept, and
    the review shows them without "time not known" beside them."""
    chat = Chat(engine)
    chat.send("/start")
    for line in ("1", "1", "1", "Noe skjedde"):
        chat.send(line)
    chat.send("det husker jeg dårlig")
    assert "klarte ikke å lese et tidspunkt" in chat.replies[-2].text
    assert chat.last.startswith("Steg 4 av 9")  # the same question
    chat.send("det husker jeg dårlig")
    assert chat.last.startswith("Steg 5 av 9")  # accepted as words the second time
    for line in ("Kontoret", "1", "1", "1", "at det stopper"):
        chat.send(line)
    review = next(r.text for r in reversed(chat.replies) if "Steg 9 av 9" in r.text)
    assert "det husker jeg dårlig" in review and "tidspunkt ukjent" not in review


def test_send_typed_at_the_review_sends_and_a_sentence_is_a_wish(engine):
    """Guards the review's typed words: "send" (any case, in each language) is the Send
    button, not a wish called "send"; a sentence is still the reporter's wish."""
    for language, word, wish in (
        ("en", "send", "I want it to stop"),
        ("nb", "Send", "Jeg vil at det skal stoppe"),
        ("sv", "skicka", "Jag vill att det slutar"),
    ):
        chat = Chat(engine, user_id=f"typist-{language}", locale=language)
        file_report_until_review(chat)
        chat.send(wish)
        assert wish in chat.last  # the review again, with the wish
        chat.send(word)
        assert "K-" in chat.last, (language, chat.last)
    cases_filed = cases(engine)
    assert len(cases_filed) == 3


def test_wishes_typed_at_the_review_add_up_and_can_be_changed(engine):
    """Guards the review's wishes: a second message adds to the first (the first said what
    matters most), "change …" opens the list instead of becoming a wish, and "Your wishes"
    there writes them afresh; "don't write to me" typed is the button."""
    chat = Chat(engine, locale="en")
    file_report_until_review(chat)
    chat.send("I want it to stop, and he must not learn it was me")
    chat.send("and I would like a conversation")
    assert "he must not learn it was me" in chat.last
    assert "I would like a conversation" in chat.last
    chat.send("change who")
    assert "Your wishes" in chat.labels()
    chat.press("Your wishes")
    chat.send("Only a conversation")
    assert "Only a conversation" in chat.last and "must not learn" not in chat.last
    chat.send("dont write to me")
    assert "Only a conversation" in chat.last  # not a wish: the button
    assert "You may write to me" in chat.labels()  # contact is off now


def test_a_story_typed_at_the_welcome_is_told_it_is_not_saved_yet(chat):
    """Guards the welcome: a story written before any button is not silently refused with
    "choose one of the options" — the person learns it is not saved and how to go on."""
    chat.send("/start")
    chat.send("sjefen min har sendt meg ekle meldinger på snap i flere uker")
    assert "ikke lagret" in chat.replies[-2].text
    chat.send("hmm")
    assert "ikke lagret" not in chat.replies[-2].text


def test_help_gives_the_help_lines_too(chat):
    """Guards /help: someone typing "hjelp" may be in trouble; the help lines come with it."""
    chat.send("/start")
    chat.send("hjelp")
    told = next(r.text for r in chat.replies if "glem" in r.text and "avbryt" in r.text)
    assert "112" in told
