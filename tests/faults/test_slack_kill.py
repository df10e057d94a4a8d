"""SIGKILL of a real `trygg run` (Slack HTTP mode) in the middle of a burst of DM events."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from slack_sdk.signature import SignatureVerifier
from sqlalchemy import select

from storage.crypto import MASTER_KEYS_VAR, PSEUDONYM_KEY_VAR, Keyring, new_key_text
from storage.db import make_engine, session_factory
from storage.models import Conversation
from tests.adapters.slack_api import SlackWebApi
from tests.faults.process import Trygg, clean_env

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
SAMPLE = Path(__file__).parent.parent.parent / "bot" / "samples" / "trygg.toml"
CHANNELS = ("G0DESK01", "G0CENTRAL")
USERS = 40  # one DM event each, so "its user's conversation exists" means "it was applied"
SENDERS = 4
KILL_AFTER = 12  # acknowledged events before the SIGKILL
STARTUP = 15.0
SETTLE = 8.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def organisation_file(tmp_path: Path) -> Path:
    """The sample organisation with a private Slack channel on every group."""
    text = SAMPLE.read_text()
    for channel in CHANNELS:
        text = text.replace('slack = ""', f'slack = "{channel}"', 1)
    assert 'slack = ""' not in text
    path = tmp_path / "trygg.toml"
    path.write_text(text)
    return path


def dm_event(number: int) -> tuple[str, str, bytes]:
    """(user id, event id, body) of one signed-to-be DM message event."""
    user, event_id = f"U0FAULT{number:03d}", f"Ev0FAULT{number:04d}"
    body = json.dumps(
        {
            "token": "t",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id,
            "event_time": int(time.time()),
            "event": {
                "type": "message",
                "channel_type": "im",
                "user": user,
                "channel": f"D0FAULT{number:03d}",
                "text": "Hei, jeg vil si fra om noe",
                "ts": f"{time.time():.6f}",
            },
        }
    )
    return user, event_id, body.encode()


def post(port: int, body: bytes, retry: int | None = None) -> int:
    """POST one event signed like Slack does; the HTTP status, or 0 when no answer came."""
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body.decode())
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature,
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_error"
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events", data=body, headers=headers, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (OSError, urllib.error.URLError):
        return 0


def wait_healthy(bot: Trygg, port: int) -> None:
    deadline = time.monotonic() + STARTUP
    while time.monotonic() < deadline:
        assert bot.proc.poll() is None, f"trygg run exited: {bot.err[-2000:]}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"trygg run did not serve within {STARTUP} s: {bot.err[-2000:]}")


def applied_users(db_url: str, keyring: Keyring, users: list[str]) -> set[str]:
    """The users whose conversation the database holds (looked up by their pseudonym)."""
    by_ref = {keyring.pseudonym("slack", user): user for user in users}
    db = make_engine(db_url)
    try:
        with session_factory(db)() as session:
            refs = session.scalars(
                select(Conversation.user_ref).where(Conversation.platform == "slack")
            ).all()
    finally:
        db.dispose()
    return {by_ref[ref] for ref in refs if ref in by_ref}


def test_every_acknowledged_slack_event_survives_a_sigkill(tmp_path):
    """Guards 'an inbound event is stored durably before the platform is told received': a
    burst of signed DM events from several threads, SIGKILL of the server after 12 of them got
    HTTP 200, restart, Slack's retries of the unanswered ones; every event that got a 200 must
    be applied (its user's conversation exists) within a few seconds of the restart.

    On a server that lets Bolt acknowledge before the engine has stored the event this fails:
    the events acknowledged but still queued in Bolt's thread pool die with the process, and
    Slack never sends them again.
    """
    api = SlackWebApi()
    # A killed server drops its calls mid-answer; the fake's broken pipes are not the test's.
    api.server.handle_error = lambda request, address: None  # type: ignore[method-assign]
    keys = {
        MASTER_KEYS_VAR: new_key_text("k1"),
        PSEUDONYM_KEY_VAR: new_key_text("p").split(":", 1)[1],
    }
    keyring = Keyring.from_env(keys)
    port = free_port()
    db_url = f"sqlite:///{tmp_path / 'trygg.db'}"
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api.url,
        TRYGG_CONFIG=str(organisation_file(tmp_path)),
        TRYGG_HTTP_PORT=str(port),
        DATABASE_URL=db_url,
        **keys,
    )
    events = [dm_event(n) for n in range(USERS)]
    statuses: dict[str, int] = {}
    lock = threading.Lock()
    enough = threading.Event()

    def send(share: list[tuple[str, str, bytes]]) -> None:
        for _user, event_id, body in share:
            status = post(port, body)
            with lock:
                statuses[event_id] = status
                if sum(s == 200 for s in statuses.values()) >= KILL_AFTER:
                    enough.set()

    bot = Trygg(tmp_path, env)
    try:
        wait_healthy(bot, port)
        senders = [
            threading.Thread(target=send, args=(events[i::SENDERS],), daemon=True)
            for i in range(SENDERS)
        ]
        for sender in senders:
            sender.start()
        assert enough.wait(20), f"no burst of 200s: {statuses} {bot.err[-2000:]}"
        bot.kill()
        for sender in senders:
            sender.join(10)
        acknowledged = sorted(user for user, e, _ in events if statuses.get(e) == 200)
        assert len(acknowledged) >= KILL_AFTER

        bot = Trygg(tmp_path, env)
        wait_healthy(bot, port)
        for _user, event_id, body in events:  # Slack retries what got no 200
            if statuses.get(event_id) != 200:
                statuses[event_id] = post(port, body, retry=1)
        deadline = time.monotonic() + SETTLE
        while time.monotonic() < deadline:
            if set(acknowledged) <= applied_users(db_url, keyring, acknowledged):
                break
            time.sleep(0.2)
        applied = applied_users(db_url, keyring, [u for u, _, _ in events])
    finally:
        bot.kill()
        api.close()
    lost = sorted(set(acknowledged) - applied)
    assert not lost, (
        f"{len(lost)} of {len(acknowledged)} events answered 200 before the kill were never "
        f"applied: {lost}"
    )
    assert applied == {u for u, _, _ in events}, "every event is applied once Slack has retried"
