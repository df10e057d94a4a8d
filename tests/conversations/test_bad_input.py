"""Bad input gets a clear, kind answer and never a crash or a lost answer."""

from __future__ import annotations

from adapters.console import ADDRESS
from conversations.intake import LIMITS
from conversations.messages import Inbound
from storage.models import Case, Conversation, ProcessedEvent
from tests.chat import Chat, count


def start_what_step(chat: Chat) -> None:
    chat.send("/start")
    for line in ("1", "1", "1", "1"):  # start; anonymous; it happened to me; its kind
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
    assert "Takk, det har jeg fått med meg" in chat.last
    chat.press("Ferdig")
    chat.send("i går")
    assert chat.last.startswith("Steg 4 av 10")


def test_overlong_answer_can_be_written_again(chat):
    """Choosing to write again returns to the same question with nothing kept."""
    start_what_step(chat)
    question = chat.last
    chat.send("y" * (LIMITS["what"] + 1))
    chat.press("skriver på nytt")
    assert chat.last == question
    assert "Ferdig" not in chat.labels()


def test_photo_or_sticker_is_declined_and_not_stored(engine, chat):
    """Non-text input is declined in words and the question repeats; nothing is added."""
    start_what_step(chat)
    question = chat.last
    chat.raw(Inbound("console", chat.user_id, ADDRESS, content="photo"))
    assert "bare lese tekst" in chat.replies[-2].text
    assert chat.last == question


def test_unknown_command_lists_the_commands(chat):
    """An unknown command gets the list of commands and the current question again."""
    start_what_step(chat)
    chat.send("/frobnicate")
    assert "/cancel" in chat.replies[-2].text and "/status" in chat.replies[-2].text
    assert chat.last.startswith("Steg 3 av 10")


def test_choice_not_on_offer_is_refused(chat):
    """A stale button from an earlier question is refused and the current question shown."""
    chat.send("/start")
    chat.send("1")
    chat.send("1")  # anonymity answered; now at "role"
    chat.raw(Inbound("console", chat.user_id, ADDRESS, choice="anonymity:open", content="choice"))
    assert "ikke i bruk lenger" in chat.replies[-2].text
    assert chat.last.startswith("Steg 2 av 10")


def test_typed_text_where_only_buttons_count_asks_to_pick(chat):
    """Free text (or a number out of range) at a choice-only question asks to pick an option."""
    chat.send("/start")
    chat.send("1")
    chat.send("maybe")
    assert "Velg ett av alternativene" in chat.replies[-2].text
    chat.send("9")
    assert "Velg ett av alternativene" in chat.replies[-2].text
    assert chat.last.startswith("Steg 1 av 10")


def test_typed_button_label_counts_as_pressing_it(chat):
    """Typing a button's label ('Ferdig') is the same as pressing it."""
    start_what_step(chat)
    chat.send("Det skjedde noe")
    chat.send("ferdig")
    assert chat.last.startswith("Steg 4 av 10")


def test_same_platform_event_twice_is_processed_once(engine):
    """A redelivered event (same event id) changes nothing and answers nothing."""
    chat = Chat(engine)
    start_what_step(chat)
    message = Inbound("console", chat.user_id, ADDRESS, text="Once only", event_id="evt-42")
    assert chat.raw(message)
    assert chat.raw(message) == []
    chat.press("Ferdig")
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


def test_an_unexpected_failure_is_a_kind_message_not_a_crash(engine, caplog):
    """If storage fails mid-message, the person gets a kind answer and the log holds no content."""
    chat = Chat(engine)
    start_what_step(chat)
    engine.vault.keyring._masters.clear()  # every data key becomes unreadable
    replies = chat.send("Sensitive words 8841")
    assert "noe gikk galt" in replies[0].text
    assert "8841" not in caplog.text
    assert "message could not be handled (UnknownMasterKeyError)" in caplog.text


def test_forget_on_a_platform_that_cannot_delete_says_so(chat):
    """/forget where the platform cannot delete messages says what to do instead."""
    chat.send("/forget")
    assert "delete the conversation yourself" in chat.last or "slette samtalen selv" in chat.last


def test_command_addressed_to_the_bot_by_name_works(chat):
    """'/help@TryggBot' (as Telegram sends from a menu) is the same as '/help'."""
    chat.send("/help@TryggBot")
    assert "/cancel" in chat.last and "kjenner jeg ikke" not in chat.last
