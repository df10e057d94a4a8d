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


class AdapterConfigError(ConversationError):
    """A platform is half configured: `variable` is missing or wrong (the adapter says which)."""

    code = "adapter_config"

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


class CatalogError(ConversationError):
    """A message id is missing from a language's catalog."""

    code = "catalog"

    def __init__(self, language: str, key: str) -> None:
        super().__init__(f"message {key!r} is missing from the {language!r} catalog")
        self.language = language
        self.key = key


class NotStored(ConversationError):
    """The database could not be written: nothing of the message was kept; send it again."""

    code = "not_stored"


class DeliveryError(ConversationError):
    """An adapter could not deliver a message; the sweep decides whether to retry."""

    code = "delivery_failed"


class RateLimited(DeliveryError):
    """The platform asked us to wait `retry_after` seconds before sending again."""

    code = "rate_limited"

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"the platform asks to retry after {retry_after:.0f} s")
        self.retry_after = retry_after


class PermanentDeliveryError(DeliveryError):
    """Retrying will never help (a bad address, a chat that is gone, a bot that was removed)."""

    code = "permanent"


class RecipientGone(PermanentDeliveryError):
    """The recipient blocked the bot or left: retrying will not help."""

    code = "recipient_gone"


class BadAddress(PermanentDeliveryError):
    """An address or message reference that its adapter cannot read."""

    code = "bad_address"
