"""The conversation engine: `engine.py` routes; intake/, desk/, cases/, followups/ and when/
hold the ideas; the adapter contract, messages, states, org, i18n and outbox are shared."""
