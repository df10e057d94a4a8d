"""Who holds a claim: this process's name, whether another name's process is gone, and taking
back what such a process held."""

from __future__ import annotations

import os
import socket
import uuid

from sqlalchemy.orm import Session

from storage.models import Leased
from storage.queue import release_dead_claims


def replica_name() -> str:
    """A claim owner naming this host and process: `host/pid/random`."""
    return f"{socket.gethostname()[:40]}/{os.getpid()}/{uuid.uuid4().hex[:8]}"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    return True


def is_dead(owner: str, me: str) -> bool:
    """Whether `owner`'s process has certainly ended: it ran on this host and its pid is gone,
    or the pid is ours (a restarted container reuses pid 1) under another name.

    Owners on other hosts are never judged: their claims end when their lease runs out.
    """
    parts = owner.split("/")
    if len(parts) != 3 or owner == me:
        return False
    host, pid_text, _ = parts
    my_host, my_pid, _ = me.split("/")
    if host != my_host or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    return pid == int(my_pid) or not _running(pid)


def take_back(session: Session, model: type[Leased], me: str) -> int:
    """Put back the rows of `model` that an ended process of this host had claimed."""
    return release_dead_claims(session, model, lambda owner: is_dead(owner, me))
