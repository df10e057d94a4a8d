"""A real Synapse homeserver on loopback for the Matrix adapter's tests, and a small test client.

`Synapse.start(directory)` writes a minimal homeserver.yaml (SQLite, no federation, open
registration, rate limits relaxed), generates the signing key, starts
`python -m synapse.app.homeserver` and waits until `/_matrix/client/versions` answers.
`Synapse.unavailable()` says why it cannot run here (the tests then skip with that reason).
`Person` plays a human with plain client-server API requests (urllib, no Matrix library),
so the adapter is checked against what a real client would send.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

SERVER_NAME = "localhost"
START_TIMEOUT = 60.0
_txn = itertools.count(1)

RELAXED = {"per_second": 10000, "burst_count": 10000}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def config(directory: Path, port: int) -> dict[str, Any]:
    return {
        "server_name": SERVER_NAME,
        "pid_file": str(directory / "homeserver.pid"),
        "public_baseurl": f"http://127.0.0.1:{port}/",
        "listeners": [
            {
                "port": port,
                "bind_addresses": ["127.0.0.1"],
                "type": "http",
                "tls": False,
                "x_forwarded": False,
                "resources": [{"names": ["client"], "compress": False}],
            }
        ],
        "database": {"name": "sqlite3", "args": {"database": str(directory / "homeserver.db")}},
        "log_config": str(directory / "log.yaml"),
        "media_store_path": str(directory / "media"),
        "signing_key_path": str(directory / "signing.key"),
        "registration_shared_secret": secrets.token_hex(16),
        "macaroon_secret_key": secrets.token_hex(16),
        "form_secret": secrets.token_hex(16),
        "enable_registration": True,
        "enable_registration_without_verification": True,
        "report_stats": False,
        "trusted_key_servers": [],
        "suppress_key_server_warning": True,
        "federation_domain_whitelist": [],
        "presence": {"enabled": False},
        "url_preview_enabled": False,
        "encryption_enabled_by_default_for_room_type": "off",
        "rc_message": RELAXED,
        "rc_registration": RELAXED,
        "rc_login": {"address": RELAXED, "account": RELAXED, "failed_attempts": RELAXED},
        "rc_joins": {"local": RELAXED, "remote": RELAXED},
        "rc_joins_per_room": RELAXED,
        "rc_invites": {"per_room": RELAXED, "per_user": RELAXED, "per_issuer": RELAXED},
        "rc_admin_redaction": RELAXED,
        "rc_room_creation": RELAXED,
    }


LOG_CONFIG = """version: 1
formatters:
  plain:
    format: '%(asctime)s %(levelname)s %(name)s: %(message)s'
handlers:
  file:
    class: logging.FileHandler
    filename: {path}
    formatter: plain
root:
  level: WARNING
  handlers: [file]
disable_existing_loggers: false
"""


class Synapse:
    """One homeserver process; `url` is its client-server API base."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen[bytes] | None = None
        self._names = itertools.count(1)

    @staticmethod
    def unavailable() -> str | None:
        """Why Synapse cannot run here, or None when it can."""
        if importlib.util.find_spec("synapse") is None:
            return "matrix-synapse is not installed (pip install -e '.[dev]')"
        return None

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        (self.directory / "media").mkdir(exist_ok=True)
        (self.directory / "log.yaml").write_text(
            LOG_CONFIG.format(path=self.directory / "homeserver.log")
        )
        path = self.directory / "homeserver.yaml"
        path.write_text(json.dumps(config(self.directory, self.port), indent=1))  # JSON is YAML
        command = [sys.executable, "-m", "synapse.app.homeserver", "-c", str(path)]
        keys = subprocess.run(
            [*command, "--generate-keys"], capture_output=True, timeout=60, check=False
        )
        if keys.returncode != 0:
            raise RuntimeError(f"synapse --generate-keys failed: {keys.stderr.decode()[-800:]}")
        env = {**os.environ, "SYNAPSE_CACHE_FACTOR": "0.5"}
        with (self.directory / "stdout.log").open("wb") as output:
            self.process = subprocess.Popen(
                command, stdout=output, stderr=subprocess.STDOUT, cwd=self.directory, env=env
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"synapse exited at start: {self.log()[-1500:]}")
            try:
                with urllib.request.urlopen(  # noqa: S310 - loopback http
                    f"{self.url}/_matrix/client/versions", timeout=2
                ) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"synapse did not answer within {START_TIMEOUT:.0f} s: {self.log()}")

    def log(self) -> str:
        parts = []
        for name in ("stdout.log", "homeserver.log"):
            file = self.directory / name
            if file.exists():
                parts.append(file.read_text(errors="replace")[-3000:])
        return "\n".join(parts)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self.process = None

    def register(self, prefix: str) -> Person:
        """A new account (open registration, the dummy auth stage), logged in."""
        name = f"{prefix}{next(self._names)}{secrets.token_hex(3)}"
        password = secrets.token_hex(12)
        body = {
            "username": name,
            "password": password,
            "auth": {"type": "m.login.dummy"},
            "initial_device_display_name": prefix,
        }
        answer = call(self.url, "POST", "/_matrix/client/v3/register", body)
        return Person(self.url, answer["user_id"], answer["access_token"], password)


class MatrixError(Exception):
    def __init__(self, status: int, body: dict[str, Any]) -> None:
        super().__init__(f"{status}: {body}")
        self.status = status
        self.errcode = str(body.get("errcode", ""))


def call(
    base: str, method: str, path: str, body: dict[str, Any] | None = None, token: str | None = None
) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(base + path, data=data, method=method)  # noqa: S310
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as response:  # noqa: S310
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
            return answer
    except urllib.error.HTTPError as exc:
        raise MatrixError(exc.code, json.loads(exc.read() or b"{}")) from None


def q(value: str) -> str:
    return urllib.parse.quote(value, safe="")


class Person:
    """A human on the homeserver, speaking the client-server API directly."""

    def __init__(self, base: str, user_id: str, token: str, password: str) -> None:
        self.base = base
        self.user_id = user_id
        self.token = token
        self.password = password

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return call(self.base, method, path, body, self.token)

    def create_room(
        self,
        invite: tuple[str, ...] = (),
        *,
        direct: bool = False,
        encrypted: bool = False,
        name: str | None = None,
    ) -> str:
        body: dict[str, Any] = {
            "preset": "trusted_private_chat" if direct else "private_chat",
            "invite": list(invite),
            "is_direct": direct,
        }
        if name:
            body["name"] = name
        if encrypted:
            body["initial_state"] = [
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            ]
        return str(self.call("POST", "/_matrix/client/v3/createRoom", body)["room_id"])

    def invite(self, room: str, user_id: str) -> None:
        self.call("POST", f"/_matrix/client/v3/rooms/{q(room)}/invite", {"user_id": user_id})

    def join(self, room: str) -> None:
        self.call("POST", f"/_matrix/client/v3/join/{q(room)}", {})

    def leave(self, room: str) -> None:
        self.call("POST", f"/_matrix/client/v3/rooms/{q(room)}/leave", {})

    def send(self, room: str, text: str, relates_to: dict[str, Any] | None = None) -> str:
        content: dict[str, Any] = {"msgtype": "m.text", "body": text}
        if relates_to is not None:
            content["m.relates_to"] = relates_to
        return self.send_content(room, content)

    def send_content(self, room: str, content: dict[str, Any], kind: str = "m.room.message") -> str:
        path = f"/_matrix/client/v3/rooms/{q(room)}/send/{kind}/t{next(_txn)}{time.time_ns()}"
        return str(self.call("PUT", path, content)["event_id"])

    def messages(self, room: str, limit: int = 200) -> list[dict[str, Any]]:
        """The room's message events, oldest first, as this person sees them."""
        path = f"/_matrix/client/v3/rooms/{q(room)}/messages?dir=b&limit={limit}"
        chunk = self.call("GET", path)["chunk"]
        return [e for e in reversed(chunk) if e.get("type") == "m.room.message"]

    def members(self, room: str) -> set[str]:
        path = f"/_matrix/client/v3/rooms/{q(room)}/joined_members"
        return set(self.call("GET", path)["joined"])
