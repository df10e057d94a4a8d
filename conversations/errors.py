"""Errors raised by the conversation layer, each with a stable machine-readable code."""

from __future__ import annotations


class ConversationError(Exception):
    """Base of every conversation-layer error."""

    code = "conversation_error"


class ConfigError(ConversationError):
    """The organisation file is wrong; `key` names the offending setting."""

    code = "config"

    def __init__(self, key: str, problem: str, source: str = "trygg.toml") -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.key = key
        self.problem = problem
        self.source = source


class CatalogError(ConversationError):
    """A message id is missing from a language's catalog."""

    code = "catalog"

    def __init__(self, language: str, key: str) -> None:
        super().__init__(f"message {key!r} is missing from the {language!r} catalog")
        self.language = language
        self.key = key


class DeliveryError(ConversationError):
    """An adapter could not deliver a message; the sweep decides whether to retry."""

    code = "delivery_failed"


class RateLimited(DeliveryError):
    """The platform asked us to wait `retry_after` seconds before sending again."""

    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"the platform asks to retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class RecipientGone(DeliveryError):
    """The recipient blocked the bot or left: retrying will not help."""

    code = "recipient_gone"
