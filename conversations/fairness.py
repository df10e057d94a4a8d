"""Fairness: a token bucket per person, so one person sending fast never slows anyone else."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from enum import Enum

MAX_PEOPLE = 50_000  # buckets kept in memory; the least recently seen are forgotten first


class Admission(Enum):
    OK = "ok"
    WARN = "warn"  # over the limit: told once, kindly
    DROP = "drop"  # still over the limit after being told: not handled


class Fairness:
    """Allows `burst` messages at once and `per_minute` after that, per person (a pseudonym)."""

    OK, WARN, DROP = Admission.OK, Admission.WARN, Admission.DROP

    def __init__(
        self, burst: int, per_minute: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.burst = float(burst)
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float, bool]] = OrderedDict()
        self._lock = threading.Lock()

    def admit(self, person: str) -> Admission:
        now = self.clock()
        with self._lock:
            tokens, at, told = self._buckets.pop(person, (self.burst, now, False))
            tokens = min(self.burst, tokens + (now - at) * self.rate)
            if tokens >= 1.0:
                self._buckets[person] = (tokens - 1.0, now, False)
                result = Admission.OK
            else:
                self._buckets[person] = (tokens, now, True)
                result = Admission.DROP if told else Admission.WARN
            while len(self._buckets) > MAX_PEOPLE:
                self._buckets.popitem(last=False)
            return result
