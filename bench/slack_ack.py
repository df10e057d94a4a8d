"""Slack acknowledgement under load: 20 button presses at once through Trygg's real HTTP route,
Bolt (signature checks on) and the engine on SQLite; every press is stored before its 200.

Prints the slowest and the median acknowledgement, and the same for Bolt's own echo listener
(`ack()` only, nothing stored) measured in the same run: the goal is under one second for all.
Run: python -m bench.slack_ack [--presses 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import uvicorn
from slack_bolt import App
from slack_sdk.signature import SignatureVerifier
from sqlalchemy import func, select

from adapters.slack import SlackAdapter, events_route
from bot.channels import AdapterChannels
from bot.http import build_app
from conversations.engine import Engine
from conversations.org import parse_org
from storage.crypto import Keyring, new_key_text
from storage.db import make_engine, migrate, session_factory
from storage.models import Conversation
from storage.vault import Vault
from tests.adapters.slack_api import SlackWebApi
from tests.faults.test_slack_kill import free_port

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
PRESSES = 20
SAMPLE = Path(__file__).parent.parent / "bot" / "samples" / "trygg.toml"


def press(port: int, user: str, number: int) -> float:
    """One signed press of 'Start a report' in a user's DM; seconds until the 200."""
    import urllib.request

    payload = {
        "type": "block_actions",
        "team": {"id": "T1"},
        "api_app_id": "A1",
        "token": "t",
        "user": {"id": user},
        "channel": {"id": "D" + user[1:]},
        "trigger_id": f"trig{number}",
        "message": {"ts": "1700000000.000001"},
        "actions": [
            {
                "action_id": "choice_0",
                "type": "button",
                "value": "welcome:start",
                "action_ts": str(number),
            }
        ],
    }
    body = urlencode({"payload": json.dumps(payload)}).encode()
    stamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=stamp, body=body.decode())
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/slack/events",
        data=body,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": str(signature),
        },
        method="POST",
    )
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310 - loopback
        assert answer.status == 200
    return time.perf_counter() - started


def burst(port: int, prefix: str, presses: int = PRESSES) -> list[float]:
    times: list[float] = [0.0] * presses
    go = threading.Barrier(presses)

    def one(n: int) -> None:
        go.wait()
        times[n] = press(port, f"U0{prefix}{n:04d}", n)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(presses)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return times


def serve(app: object, port: int) -> uvicorn.Server:
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_level="warning"))  # type: ignore[arg-type]
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server


def main() -> None:
    import tomllib

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--presses", type=int, default=PRESSES, help="button presses at once")
    presses = parser.parse_args().presses
    api = SlackWebApi()
    data = tomllib.loads(SAMPLE.read_text())
    for group, channel in zip(data["groups"], ("G0DESK01", "G0CENTRAL"), strict=True):
        group["channels"] = {"slack": channel}
    org = parse_org(data)
    keyring = Keyring.from_env(
        {
            "TRYGG_MASTER_KEYS": new_key_text("k1"),
            "TRYGG_PSEUDONYM_KEY": new_key_text("p").split(":", 1)[1],
        }
    )
    with tempfile.TemporaryDirectory() as folder:
        db = make_engine(f"sqlite:///{folder}/trygg.db")
        migrate(db)
        adapter = SlackAdapter("xoxb-test", SECRET, api_url=api.url)
        engine = Engine(session_factory(db), Vault(keyring), org, AdapterChannels(org, [adapter]))
        adapter.start(engine.handle)
        ours = serve(build_app([events_route(adapter, SECRET)]), port := free_port())

        echo = App(token="xoxb-test", signing_secret=SECRET, token_verification_enabled=False)
        echo.client.base_url = api.url
        echo.action("choice_0")(lambda ack: ack())
        theirs_adapter = SlackAdapter("xoxb-test", SECRET, api_url=api.url)
        theirs_adapter.app = echo
        theirs = serve(build_app([events_route(theirs_adapter, SECRET)]), echo_port := free_port())

        burst(port, "WARM", presses)  # warm both up (imports, first connections)
        burst(echo_port, "WARM", presses)
        trygg, bolt = burst(port, "TRYGG", presses), burst(echo_port, "ECHO", presses)
        with session_factory(db)() as session:
            stored = session.scalar(select(func.count()).select_from(Conversation))
        ours.should_exit = theirs.should_exit = True
        api.close()
    print(f"{presses} presses at once, each stored before its 200 ({stored} conversations):")
    print(f"  Trygg: slowest {max(trygg):.3f} s, median {statistics.median(trygg):.3f} s")
    print(
        f"  Bolt echo (ack only): slowest {max(bolt):.3f} s, median {statistics.median(bolt):.3f} s"
    )
    print(f"  ratio of the slowest: {max(trygg) / max(bolt):.1f}x; goal: slowest under 1 s")


if __name__ == "__main__":
    main()
