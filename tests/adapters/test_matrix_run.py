"""`trygg run` finds the Matrix adapter from the environment alone and serves it (real Synapse)."""

from __future__ import annotations

from pathlib import Path

from storage.crypto import MASTER_KEYS_VAR, PSEUDONYM_KEY_VAR, new_key_text
from tests.adapters.test_matrix import synapse, until  # noqa: F401 - the session fixture
from tests.faults.process import Trygg, clean_env
from tests.faults.test_slack_kill import free_port

SAMPLE = Path(__file__).parent.parent.parent / "bot" / "samples" / "trygg.toml"


def test_trygg_run_serves_matrix_from_its_variables(synapse, tmp_path):  # noqa: F811
    """MATRIX_* set, nothing else: the registry starts the adapter, a direct message gets the
    welcome with its numbered choices, and typing a number goes on (the engine reads it)."""
    bot = synapse.register("trygg")
    handler = synapse.register("handler")
    rooms = [handler.create_room((bot.user_id,), name=f"Gruppe {n}") for n in (1, 2)]
    text = SAMPLE.read_text()
    for room in rooms:
        text = text.replace('matrix = ""', f'matrix = "{room}"', 1)
    config = tmp_path / "trygg.toml"
    config.write_text(text)
    env = clean_env(
        MATRIX_HOMESERVER=synapse.url,
        MATRIX_USER_ID=bot.user_id,
        MATRIX_ACCESS_TOKEN=bot.token,
        TRYGG_CONFIG=str(config),
        TRYGG_HTTP_PORT=str(free_port()),
        DATABASE_URL=f"sqlite:///{tmp_path / 'trygg.db'}",
        **{
            MASTER_KEYS_VAR: new_key_text("k1"),
            PSEUDONYM_KEY_VAR: new_key_text("p").split(":", 1)[1],
        },
    )
    process = Trygg(tmp_path, env)
    try:
        reporter = synapse.register("reporter")
        room = reporter.create_room((bot.user_id,), direct=True)
        until(lambda: bot.user_id in reporter.members(room), "the bot joined the direct room")

        def said() -> list[str]:
            return [e["content"].get("body", "") for e in reporter.messages(room)
                    if e["sender"] == bot.user_id]  # fmt: skip

        reporter.send(room, "hei")
        until(lambda: any("1)" in body for body in said()), f"a welcome: {process.err[-800:]}")
        reporter.send(room, "1")  # "Start a report", by its number
        until(lambda: any("1 av" in body or "1 of" in body for body in said()), "step 1")
    finally:
        process.kill()
    assert "Traceback" not in process.err
