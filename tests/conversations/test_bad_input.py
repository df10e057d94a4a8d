"""Bad input gets a clear, kind answer and never a crash or a lost answer."""

from __future__ import annotations

import os

import pytest

from adapters.console import ADDRESS
from conversations.intake import LIMITS
from conversations.messages import Inbound
from storage.crypto import Keyring
from storage.models import Case, Conversation, ProcessedEvent
from tests.chat import Chat, count, draft
from tests.conversations.test_intake import file_report_until_review


def start_what_step(chat: Chat) -> None:
    chat.send("/start")
    for line in ("1", "1", "1"):  # sexual harassment; anonymous; it happened to me
        chat.send(line)


def test_empty_answer_is_refused_kindly_and_the_question_repeated(chat):
    """A blank message says no text arrived and asks the same question again."""
    start_what_step(chat)
    question = chat.last
    chat.send("   ")
    assert "ingen tekst" in chat.replies[-2].text
    assert chat.last == question


def test_overlong_answer_keeps_what_fits_only_when_the_reporter_agrees(engine, chat):
    """Over the limit the bot says so and keeps the first part only after 'keep'."""
    start_what_step(chat)
    chat.send("x" * (LIMITS["what"] + 50))
    assert str(LIMITS["what"]) in chat.last
    assert chat.labels()[:2] == ["Behold første del", "Jeg skriver på nytt"]
    chat.press("Behold første del")
    assert "Når skjedde det?" in chat.last
    chat.send("i går")
    assert chat.last.startswith("Steg 4 av 9")


def test_overlong_answer_can_be_written_again(engine, chat):
    """Choosing to write again returns to the same question with nothing kept."""
    start_what_step(chat)
    question = chat.last
    chat.send("y" * (LIMITS["what"] + 1))
    chat.press("skriver på nytt")
    assert chat.last == question
    assert "Ferdig" not in chat.labels()
    assert "what" not in draft(engine)


def test_photo_or_sticker_is_declined_and_not_stored(engine, chat):
    """Non-text input is declined in words and the question repeats; nothing is added."""
    start_what_step(chat)
    question = chat.last
    chat.raw(Inbound("console", chat.user_id, ADDRESS, content="photo"))
    assert "bare lese tekst" in chat.replies[-2].text
    assert chat.last == question


def test_unknown_command_lists_the_commands(chat):
    """An unknown command gets the list of commands (as words, which work on every platform,
    Slack too) and the current question again."""
    start_what_step(chat)
    chat.send("/frobnicate")
    assert "/" not in chat.replies[-2].text
    assert chat.last.startswith("Steg 3 av 9")
    assert "/" not in chat.replies[-2].text


def test_a_command_word_alone_works_where_slash_commands_do_not_arrive(chat):
    """'tilbake', 'Avbryt', 'hjelp' typed alone are the commands (Slack keeps '/' for itself);
    the same word inside an answer is just words."""
    start_what_step(chat)
    chat.send("Han sa: avbryt møtet")
    assert chat.last.startswith("Steg 4 av 9")  # an answer, not a command
    chat.send("tilbake")
    assert chat.last.startswith("Steg 3 av 9")
    chat.send("Hjelp")
    assert "tilbake \u2013 ett steg tilbake" in chat.replies[-2].text
    chat.send("avbryt")
    assert "slettet" in chat.last


def test_choice_not_on_offer_is_refused(chat):
    """A stale button from an earlier question is refused and the current question shown."""
    chat.send("/start")
    chat.send("1")
    chat.send("1")  # anonymity answered; now at "role"
    chat.raw(Inbound("console", chat.user_id, ADDRESS, choice="anonymity:open", content="choice"))
    assert "ikke i bruk lenger" in chat.replies[-2].text
    assert chat.last.startswith("Steg 2 av 9")


def test_typed_text_where_only_buttons_count_asks_to_pick(chat):
    """Free text (or a number out of range) at a choice-only question asks to pick an option."""
    chat.send("/start")
    chat.send("1")
    chat.send("maybe")
    assert "Velg ett av alternativene" in chat.replies[-2].text
    chat.send("9")
    assert "Velg ett av alternativene" in chat.replies[-2].text
    assert chat.last.startswith("Steg 1 av 9")


def test_typed_button_label_counts_as_pressing_it(chat):
    """Typing a button's label ('Ferdig') is the same as pressing it."""
    start_what_step(chat)
    chat.send("Det skjedde noe")
    chat.send("ferdig")
    assert chat.last.startswith("Steg 4 av 9")


def test_same_platform_event_twice_is_processed_once(engine):
    """A redelivered event (same event id) changes nothing and answers nothing."""
    chat = Chat(engine)
    start_what_step(chat)
    message = Inbound("console", chat.user_id, ADDRESS, text="Once only", event_id="evt-42")
    assert chat.raw(message)
    assert chat.raw(message) == []
    chat.send("i går")
    chat.send("1")
    chat.send("/back")
    chat.send("/back")
    chat.send("/back")
    assert count(engine, ProcessedEvent) == 1


def test_group_chat_message_is_answered_and_nothing_stored(engine):
    """A message from a group chat is told to write privately and leaves no trace."""
    chat = Chat(engine)
    replies = chat.raw(Inbound("console", "someone", "console:group", text="I want to report",
                               private=False, event_id="evt-g1"))  # fmt: skip
    assert len(replies) == 1 and "privat" in replies[0].text
    assert replies[0].address == "console:group"
    assert count(engine, Conversation) == 0
    assert count(engine, ProcessedEvent) == 0
    assert count(engine, Case) == 0


def test_locale_picks_the_language_and_unknown_locales_fall_back(engine):
    """A Swedish platform locale gets Swedish; an unknown one gets the organisation's default."""
    swedish = Chat(engine, user_id="sv-user", locale="sv-SE")
    swedish.send("/start")
    assert "Hej." in swedish.last
    other = Chat(engine, user_id="de-user", locale="de-DE")
    other.send("/start")
    assert "Hei." in other.last


class BrokenChannels:
    """A platform side that fails in an unforeseen way whenever it is asked."""

    def __getattr__(self, name: str):
        def fail(*args, **kwargs):
            raise RuntimeError("the platform exploded")

        return fail


def test_an_unexpected_failure_is_a_kind_message_not_a_crash(engine, caplog):
    """A failure mid-message gets a kind answer, keeps every answer, and logs no content."""
    chat = Chat(engine, locale="en")
    file_report_until_review(chat)
    engine.notifier.channels = BrokenChannels()
    replies = chat.press("Send the report")  # the alert cannot be queued
    assert "noe gikk galt" in replies[0].text  # a press carries no locale: the default
    assert "8841" not in caplog.text
    assert "message could not be handled (RuntimeError)" in caplog.text
    assert count(engine, Case) == 0
    with engine.sessions() as session:
        assert session.query(Conversation).one().step == "review"  # nothing was lost


def test_a_draft_under_a_lost_master_key_never_traps_the_person(engine):
    """Its key gone, the draft cannot be read: the person is told and can start again."""
    chat = Chat(engine)
    start_what_step(chat)
    chat.send("Sensitive words 8841")
    # The master key k1 was dropped from the environment; a new one, k2, is current.
    old = engine.vault.keyring
    engine.vault.keyring = Keyring("k2", {"k2": os.urandom(32)}, old._pseudonym_key)
    replies = chat.send("more words")
    assert "fikk ikke lest" in replies[0].text
    chat.send("/start")
    assert chat.labels()[0] == "Si fra om seksuell trakassering"  # the welcome, with buttons
    chat.send("1")
    assert chat.last.startswith("Steg 1 av 9")


def test_forget_on_a_platform_that_cannot_delete_says_so(chat):
    """/forget where the platform cannot delete messages says what to do instead."""
    chat.send("/forget")
    assert "delete the conversation yourself" in chat.last or "slette samtalen selv" in chat.last


def test_command_addressed_to_the_bot_by_name_works(chat):
    """'/help@TryggBot' (as Telegram sends from a menu) is the same as '/help'."""
    chat.send("/help@TryggBot")
    assert "avbryt \u2013" in chat.last and "kjenner jeg ikke" not in chat.last


def test_a_choice_typed_as_its_number_is_never_stored_as_the_answer(engine):
    """'1' for "Vet ikke" (when, who) is the choice: no time "1", no person called "1"."""
    from tests.chat import draft

    chat = Chat(engine)
    chat.send("/start")
    for line in ("1", "1", "1", "Noe skjedde", "1"):  # ... when: "Vet ikke" by its number
        chat.send(line)
    chat.send("Kontoret")
    chat.send("1")  # who: "Vet ikke", by its number
    stored = draft(engine)
    person = stored.get("person") or stored["people"][-1]
    assert person["name"] != "1" and person.get("role") != "1"
    assert stored["when"]["words"] != "1"


def test_typed_choices_are_matched_forgivingly(engine):
    """'borja en anmalan', 'Stat a report', 'ANONYMT': the choice, without accents or a slip."""
    chat = Chat(engine, locale="sv")
    chat.send("/start")
    chat.send("anmal sexuela trakaserier")  # "Anmäl sexuella trakasserier": no accents, slips
    assert chat.last.startswith("Steg 1 av 9")
    chat.send("anonymt")
    chat.send("det hande mig")  # "Det hände mig"
    assert chat.last.startswith("Steg 3 av 9")


def test_dont_know_and_skip_in_words_are_the_choice_never_a_name(engine):
    """'vet ikke' at "who" is an unknown person (never one called "Vet ikke"), the questions
    about them adapt, and 'hopp over' at witnesses is skip."""
    from tests.chat import draft

    chat = Chat(engine)
    chat.send("/start")
    for line in ("1", "1", "1", "Noe skjedde", "vet ikke", "Kontoret"):
        chat.send(line)
    chat.send("Vet ikke!")
    (person,) = draft(engine)["people"]
    assert person == {"name": "", "role": "", "leader": "unknown"}  # nobody called "Vet ikke"
    assert "Så eller hørte noen andre det?" in chat.last  # no questions about nobody
    chat.send("hopp over")
    assert draft(engine)["witnesses"] == ""


def test_an_old_send_pressed_after_sending_does_not_restart_anything(engine):
    """A stale press in an idle conversation is answered, and nothing starts or is stored."""
    from tests.conversations.test_intake import file_report

    chat = Chat(engine, locale="en")
    file_report(chat, "en")
    chat.raw(Inbound("console", chat.user_id, ADDRESS, choice="review:send", content="choice"))
    assert "earlier conversation" in chat.last
    assert not chat.replies[-1].choices
    assert count(engine, Case) == 1


def test_yes_and_no_typed_answer_the_yes_no_questions(engine):
    """'ja' at "is that right?" confirms the time read from the story (never more of the story),
    and 'nei' at the leader question is No."""
    chat = Chat(engine)
    chat.send("/start")
    for line in ("1", "1", "1", "Han tok på meg på julebordet i går."):
        chat.send(line)
    chat.send("ja")
    stored = draft(engine)
    assert stored["what"] == ["Han tok på meg på julebordet i går."]
    assert stored["when"]["confirmed"] is True and stored["where"] == "på julebordet"
    chat.send("Per Hansen, vaktmester")
    chat.send("nei")
    assert draft(engine)["people"][0]["leader"] == "no"


def test_words_at_the_recall_question_are_not_pasted_into_the_story(engine):
    """'vet ikke' or an early answer typed at "is that right?" asks for the buttons again;
    the story stays as written."""
    chat = Chat(engine)
    chat.send("/start")
    for line in ("1", "1", "1", "Han tok på meg på julebordet i går."):
        chat.send(line)
    chat.send("vet ikke")
    assert "Svar med knappene" in chat.replies[-2].text
    chat.send("Per Hansen, sjefen min")
    assert draft(engine)["what"] == ["Han tok på meg på julebordet i går."]


def test_cancel_at_the_review_asks_before_deleting_a_finished_report(engine):
    """'avbryt' at the review asks "delete everything?" first; No keeps the report."""
    chat = Chat(engine)
    file_report_until_review(chat)
    chat.send("avbryt")
    assert "Det kan ikke angres" in chat.last
    chat.press("Tilbake til oversikten")
    assert draft(engine)["what"] == ["It happened"]


def test_a_number_alone_is_not_a_name(engine):
    """'3' at "who did it?" (whose only choices are 1 and 2) is not a person called 3."""
    chat = Chat(engine)
    chat.send("/start")
    for line in ("1", "1", "1", "Noe skjedde", "vet ikke", "Kontoret"):
        chat.send(line)
    chat.send("3")
    assert "Et tall alene" in chat.replies[-2].text
    assert not draft(engine).get("people")


@pytest.mark.parametrize("words", ["nei ingen", "Nej, ingen", "no one", "ingen andre"])
def test_no_one_at_the_witnesses_question_is_no_witness(engine, words):
    """Guards the skip words: "nei ingen" is not a witness called "nei ingen"."""
    chat = Chat(engine, locale="nb")
    start_what_step(chat)
    for line in ("Han tok på meg.", "i går", "1", "På kontoret", "Per, kollega"):
        chat.send(line)
    chat.send(words)
    assert draft(engine).get("witnesses", "") in ("", None)
