"""SIGTERM (and SIGINT) end a real `trygg run` cleanly: sweeps stopped, exit 0."""

from __future__ import annotations

import signal

import pytest

from storage.crypto import MASTER_KEYS_VAR, PSEUDONYM_KEY_VAR, new_key_text
from tests.adapters.slack_api import SlackWebApi
from tests.faults.process import Trygg, clean_env
from tests.faults.test_slack_kill import (
    SECRET,
    dm_event,
    free_port,
    organisation_file,
    post,
    wait_healthy,
)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_trygg_run_cleanly(tmp_path, sig):
    """Guards a clean stop: uvicorn used to re-raise SIGTERM, ending the process with -15
    before the scheduler and the delivery worker were stopped."""
    api = SlackWebApi()
    port = free_port()
    env = clean_env(
        SLACK_BOT_TOKEN="xoxb-test",
        SLACK_SIGNING_SECRET=SECRET,
        SLACK_API_URL=api.url,
        TRYGG_CONFIG=str(organisation_file(tmp_path)),
        TRYGG_HTTP_PORT=str(port),
        TRYGG_LOG_LEVEL="INFO",
        DATABASE_URL=f"sqlite:///{tmp_path / 'trygg.db'}",
        **{
            MASTER_KEYS_VAR: new_key_text("k1"),
            PSEUDONYM_KEY_VAR: new_key_text("p").split(":", 1)[1],
        },
    )
    bot = Trygg(tmp_path, env)
    try:
        wait_healthy(bot, port)
        assert post(port, dm_event(1)[2]) == 200
        bot.proc.send_signal(sig)
        code = bot.proc.wait(timeout=20)
    finally:
        bot.kill()  # after a clean exit: only closes the pipes
        api.close()
    assert code == 0, bot.err[-2000:]
    assert "stopped" in bot.err
    assert "Traceback" not in bot.err
