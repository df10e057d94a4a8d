"""Delivery against Telegram's limits, through the real sweep, adapter and python-telegram-bot.

A stand-in Bot API answers each sendMessage after a network delay and answers 429 whenever a
limit is broken (one message a second per chat, twenty a minute per group, thirty a second
overall). Three runs: one message each to 300 private chats by one replica, then by two at
once (each its own sweep, adapter and python-telegram-bot: the overall 30/s must hold across
them; the goal: at least 95 % of 30/s, no 429), and a burst to one group (the goal: no 429
storm, every message in order).
Run: python -m bench.delivery_rate [--chats 300] [--replicas 2] [--group 10] [--latency 0.05]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import tempfile
import threading
import time
from datetime import UTC, datetime
from typing import Any

from telegram.request import RequestData

from adapters.telegram import TelegramAdapter
from bot.delivery import PARALLEL, DeliverySweep
from conversations.messages import Outbound
from conversations.outbox import enqueue
from storage.crypto import Keyring, new_key_text
from storage.db import make_engine, migrate, session_factory
from storage.vault import Vault
from tests.adapters.telegram_api import FakeBotApi, error

GROUP = -1001234


class LimitedBotApi(FakeBotApi):
    """Answers after `latency` seconds; 429 when a Telegram limit would be broken."""

    def __init__(self, latency: float) -> None:
        super().__init__()
        self.latency = latency
        self.too_many = 0
        self.order: dict[int, list[str]] = collections.defaultdict(list)
        self._last: dict[int, float] = {}
        self._group: dict[int, collections.deque[float]] = collections.defaultdict(
            collections.deque
        )
        self._overall: collections.deque[float] = collections.deque()

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **timeouts: Any
    ) -> tuple[int, bytes]:
        if not url.endswith("/sendMessage"):
            return await super().do_request(url, method, request_data, **timeouts)
        await asyncio.sleep(self.latency)
        chat = int(dict(request_data.parameters)["chat_id"]) if request_data else 0
        now = time.monotonic()
        while self._overall and now - self._overall[0] > 1.0:
            self._overall.popleft()
        window = self._group[chat]
        while window and now - window[0] > 60.0:
            window.popleft()
        if (
            len(self._overall) >= 30
            or (chat > 0 and now - self._last.get(chat, -10.0) < 1.0)
            or (chat < 0 and len(window) >= 20)
        ):
            self.too_many += 1
            return error(429, "Too Many Requests: retry after 1", retry_after=1)
        self._overall.append(now)
        self._last[chat] = now
        window.append(now)
        text = dict(request_data.parameters)["text"] if request_data else ""
        self.order[chat].append(str(text))
        return await super().do_request(url, method, request_data, **timeouts)


def run(
    chats: list[int], per_chat: int, latency: float, replicas: int = 1
) -> tuple[float, int, int, bool]:
    """Queue `per_chat` messages to each chat, deliver them all; (seconds, sent, 429s, ordered)."""
    url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    db = make_engine(url)
    migrate(db)
    keyring = Keyring.from_env(
        {
            "TRYGG_MASTER_KEYS": new_key_text("k1"),
            "TRYGG_PSEUDONYM_KEY": new_key_text("p").split(":", 1)[1],
        }
    )
    vault = Vault(keyring)
    sessions = session_factory(db)
    api = LimitedBotApi(latency)
    now = datetime.now(UTC)
    with sessions() as session, session.begin():
        key = vault.create(session)
        for number in range(per_chat):
            for chat in chats:
                outbound = Outbound(f"telegram:{chat}", f"{number:04d}")
                enqueue(
                    session, vault, None, outbound, kind="reply", key=f"m{number}", now=now,
                    data_key=key,
                )  # fmt: skip
    # Each replica: its own adapter (python-telegram-bot on its own loop) and sweep.
    adapters = [TelegramAdapter("123:TEST", request=api, rate_limit=True) for _ in range(replicas)]
    sweeps = [
        DeliverySweep(sessions, vault, {"telegram": a}, parallel=PARALLEL, owner=f"replica-{n}")
        for n, a in enumerate(adapters)
    ]
    loops = [_serve(adapter) for adapter in adapters]
    total = len(chats) * per_chat
    sent = [0]
    lock = threading.Lock()
    started = time.perf_counter()

    def work(sweep: DeliverySweep) -> None:
        while sent[0] < total and time.perf_counter() - started < 600:
            went = sweep.run_once()
            with lock:
                sent[0] += went
            if not went:
                time.sleep(0.05)  # the worker's "busy" look-again, shortened

    workers = [threading.Thread(target=work, args=(sweep,)) for sweep in sweeps]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    spent = time.perf_counter() - started
    ordered = all(texts == sorted(texts) for texts in api.order.values())
    for adapter, loop in zip(adapters, loops, strict=True):
        asyncio.run_coroutine_threadsafe(adapter.application.shutdown(), loop).result()
        loop.call_soon_threadsafe(loop.stop)
    for sweep in sweeps:
        sweep.close()
    db.dispose()
    return spent, sent[0], api.too_many, ordered


def _serve(adapter: TelegramAdapter) -> asyncio.AbstractEventLoop:
    """Run the adapter's loop in a thread of its own, as `trygg run` does."""
    loop = asyncio.new_event_loop()
    ready = threading.Event()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(adapter.initialize())
        ready.set()
        loop.run_forever()

    threading.Thread(target=serve, daemon=True).start()
    ready.wait()
    return loop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chats", type=int, default=300)
    parser.add_argument("--group", type=int, default=10, help="messages to one group")
    parser.add_argument("--latency", type=float, default=0.05, help="Bot API round trip, s")
    parser.add_argument("--replicas", type=int, default=2, help="for the second 300-chat run")
    args = parser.parse_args()
    for replicas in (1, args.replicas):
        chats = list(range(1, args.chats + 1))
        spent, sent, storms, ordered = run(chats, 1, args.latency, replicas)
        rate = sent / spent
        print(
            f"{sent} messages to {args.chats} chats by {replicas} replica(s) in {spent:.1f} s: "
            f"{rate:.1f}/s of 30/s allowed"
        )
        print(f"  ratio {rate / 30:.2f} (goal >= 0.95); 429 answers {storms}; in order {ordered}")
    spent, sent, storms, ordered = run([GROUP], args.group, args.latency)
    allowed = (sent - 1) / max(spent, 1e-9) * 60  # the first goes at once
    print(f"{sent} messages to one group in {spent:.1f} s ({allowed:.1f}/min; 20/min allowed)")
    print(f"  429 answers {storms} (goal: 0 after the first); in order {ordered}")


if __name__ == "__main__":
    main()
