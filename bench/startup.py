"""`trygg run` to the first console prompt, against the same with the platform libraries loaded.

Each run is a whole process with stdin closed (it shows the welcome, the first prompt, and
ends), on a database already at the newest schema. The second command loads what the console
once loaded too (python-telegram-bot, Bolt, matrix-nio, the web server, Alembic) before the
same `trygg run`; they alternate, and the medians and their ratio are printed.
Run: python -m bench.startup [--runs 7]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

PLAIN = "from bot.cli import main; main(['run'])"
LOADED = "import telegram.ext, slack_bolt, nio, uvicorn, alembic.command; " + PLAIN


def once(code: str, cwd: str) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRYGG_", "TELEGRAM_"))}
    env = {k: v for k, v in env.items() if not k.startswith(("SLACK_", "MATRIX_"))}
    started = time.perf_counter()
    done = subprocess.run(  # noqa: S603 - our own interpreter and code
        [sys.executable, "-c", code],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        env=env,
        check=False,
    )
    spent = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(done.stderr.decode()[-2000:])
    return spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    cwd = tempfile.mkdtemp()
    once(PLAIN, cwd)  # creates the key file and migrates the database
    plain, loaded = [], []
    for _ in range(args.runs):
        plain.append(once(PLAIN, cwd))
        loaded.append(once(LOADED, cwd))
    ours, theirs = statistics.median(plain), statistics.median(loaded)
    print(f"trygg run to the first prompt            {ours:.2f} s (median of {args.runs})")
    print(f"  with the platform libraries loaded too {theirs:.2f} s")
    print(f"  {1 - ours / theirs:.0%} faster (goal >= 30 %)")


if __name__ == "__main__":
    main()
