"""No raw platform id, and no message reference, anywhere in the database after round trips."""

from __future__ import annotations

import pytest

from tests.adapters import test_slack as slack
from tests.adapters import test_telegram as telegram
from tests.storage.test_encryption_at_rest import raw_bytes

TELEGRAM_USER = 7340912855  # a Telegram private chat id is the user id
SLACK_USER, SLACK_DM = slack.REPORTER, slack.DM


def assert_absent(data: bytes, *ids: str) -> None:
    for raw in ids:
        assert raw.encode() not in data, f"{raw} is stored in plain text"


def test_a_whole_slack_round_trip_stores_no_raw_id(db, db_path, keyring, org, clock):
    """Report, press, alert, ack, reply by modal, the reporter's answer relayed, close: no
    Slack user id, DM id or message timestamp is left in the database file (or its WAL)."""
    rig = slack.Rig(db, keyring, org, clock)
    try:
        slack.file_report(rig, "en")
        reference = rig.case().reference
        rig.press_value(f"desk:ack:{reference}", slack.HANDLER, slack.DESK)
        rig.command("/trygg", f"reply {reference} Who was there?", slack.HANDLER, slack.DESK)
        rig.say("Only Per.", user=SLACK_USER, channel=SLACK_DM)
        rig.press(reference, user=SLACK_USER, channel=SLACK_DM)
        rig.command("/trygg", f"close {reference} measures", slack.HANDLER, slack.DESK)
        stamps = {p.get("ts") for _, p in rig.api.calls if p.get("ts")}
    finally:
        rig.api.close()
    data = raw_bytes(db, db_path)
    assert reference.encode() in data  # the scan reads the right database
    assert_absent(
        data, SLACK_USER, SLACK_DM, slack.HANDLER, slack.DESK, "action:", *filter(None, stamps)
    )


def test_a_whole_telegram_round_trip_stores_no_raw_id(db, db_path, keyring, org, clock):
    """The same for Telegram: the reporter's user id (= their chat id) is nowhere."""
    rig = telegram.Rig(db, keyring, org, clock)

    async def scenario() -> None:
        await telegram.file_report(rig, "en", user=TELEGRAM_USER)
        reference = rig.case().reference
        await rig.press("Bekreft mottatt", telegram.HANDLER, telegram.GROUP)
        await rig.say(
            f"/reply {reference} Who was there?", telegram.HANDLER, telegram.GROUP, language="en"
        )
        await rig.say("Only Per.", TELEGRAM_USER, language="en")
        await rig.press(reference, TELEGRAM_USER, language="en")

    telegram.run(rig, scenario)
    data = raw_bytes(db, db_path)
    assert rig.case().reference.encode() in data
    assert_absent(
        data, str(TELEGRAM_USER), f"telegram:{TELEGRAM_USER}", f"telegram:{telegram.GROUP}"
    )


@pytest.mark.parametrize("needle", ["telegram:", "slack:"])
def test_the_scan_can_see_an_address_in_plain_text(db, db_path, needle):
    """The scan is not blind: a plain-text value written to the database is found."""
    from sqlalchemy import text

    with db.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO desk_prompts (key, action, reference, expires_at) "
                "VALUES (:k, 'note', 'K-AAAAAA', CURRENT_TIMESTAMP)"
            ),
            {"k": f"{needle}{TELEGRAM_USER}"},
        )
    assert str(TELEGRAM_USER).encode() in raw_bytes(db, db_path)
