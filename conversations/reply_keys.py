"""One data key for a minute of direct replies, instead of a new key (an INSERT) every turn."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import event
from sqlalchemy.orm import Session

from storage.crypto import DataKey
from storage.vault import REPLY, Vault

# How long one key encrypts new replies. The sweep destroys a reply key only once it is older
# than `storage.vault.REPLY_KEY_KEPT` and nothing queued uses it, so a key in use is never gone.
WINDOW = timedelta(seconds=60)


class ReplyKeys:
    """This process's current reply key; a turn that finds none fresh makes one in its
    transaction, and other turns share it only once that transaction has committed."""

    def __init__(self, vault: Vault, clock: Callable[[], datetime]) -> None:
        self.vault = vault
        self.clock = clock
        self._lock = threading.Lock()
        self._current: tuple[DataKey, datetime] | None = None

    def for_turn(self, session: Session) -> DataKey:
        now = self.clock()
        with self._lock:
            current = self._current
        if current is not None and timedelta(0) <= now - current[1] < WINDOW:
            return current[0]
        key = self.vault.create(session, purpose=REPLY, now=now)

        def share(_: Session) -> None:
            with self._lock:
                self._current = (key, now)

        event.listen(session, "after_commit", share, once=True)
        return key

    def forget(self) -> bool:
        """Stop using the current key (it was found gone); False when there was none."""
        with self._lock:
            had, self._current = self._current is not None, None
        return had
