"""A real `trygg run` subprocess for fault tests: its output collected, SIGKILL on demand."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path

TRYGG = shutil.which("trygg") or str(Path(sys.executable).parent / "trygg")
OWN_VARIABLES = ("TRYGG_", "TELEGRAM_", "SLACK_", "DATABASE_URL")


def clean_env(**extra: str) -> dict[str, str]:
    """The test's environment without any Trygg or platform setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(OWN_VARIABLES)}
    env.update(extra)
    return env


class Trygg:
    """One `trygg run` process; a thread collects its stdout and stderr as they arrive."""

    def __init__(self, cwd: Path, env: Mapping[str, str]) -> None:
        self.proc = subprocess.Popen(
            [TRYGG, "run"],
            cwd=cwd,
            env=dict(env),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,  # a kill of its group never reaches the test runner
        )
        self.out = ""
        self.err = ""
        self._changed = threading.Condition()
        self._readers = [
            threading.Thread(target=self._read, args=(self.proc.stdout, "out"), daemon=True),
            threading.Thread(target=self._read, args=(self.proc.stderr, "err"), daemon=True),
        ]
        for reader in self._readers:
            reader.start()

    def _read(self, stream: object, name: str) -> None:
        assert stream is not None
        fd = stream.fileno()  # type: ignore[attr-defined]
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with self._changed:
                if not chunk:
                    self._changed.notify_all()
                    return
                text = chunk.decode("utf-8", errors="replace")
                setattr(self, name, getattr(self, name) + text)
                self._changed.notify_all()

    def write(self, line: str) -> None:
        """Type one line on the chat's stdin (a broken pipe means the process is gone)."""
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write((line + "\n").encode())
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            pass

    def wait_for(self, done: Callable[[str], bool], timeout: float) -> bool:
        """Wait until `done(stdout so far)` holds; False after `timeout` seconds or an exit."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while not done(self.out):
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self._alive_readers()):
                    return done(self.out)
                self._changed.wait(min(left, 0.2))
        return True

    def _alive_readers(self) -> bool:
        return any(reader.is_alive() for reader in self._readers)

    def kill(self) -> None:
        """SIGKILL: no handler runs, nothing is flushed, the process is simply gone."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)
        for reader in self._readers:
            reader.join(timeout=5)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):  # stdin's last bytes had nowhere to go
                    stream.close()
