"""Group channels on the running platforms, asked of the adapters that can say."""

from __future__ import annotations

from collections.abc import Sequence

from conversations.adapter import (
    Adapter,
    CanCheckMembership,
    CanForgetChat,
    CanNameUser,
    HasGroupChannels,
)
from conversations.org import Group, Org
from conversations.outbox import platform_of


class AdapterChannels:
    """The desk's view of where groups live: each adapter names its own channel addresses."""

    def __init__(self, org: Org, adapters: Sequence[Adapter]) -> None:
        self.org = org
        self.adapters = list(adapters)
        self._by_address: dict[str, Group] = {}
        for group in org.groups:
            for address in self.addresses(group):
                self._by_address[address] = group

    def addresses(self, group: Group) -> list[str]:
        found = []
        for adapter in self.adapters:
            if isinstance(adapter, HasGroupChannels):
                address = adapter.group_address(group)
                if address:
                    found.append(address)
        return found

    def group_at(self, address: str) -> Group | None:
        return self._by_address.get(address)

    def is_member(self, address: str, user_id: str, *, fresh: bool = False) -> bool:
        adapter = self._adapter(address)
        if isinstance(adapter, CanCheckMembership):
            return adapter.is_member(address, user_id, fresh=fresh)
        return False  # no way to check: refuse rather than trust

    def display_name(self, address: str, user_id: str) -> str | None:
        adapter = self._adapter(address)
        if isinstance(adapter, CanNameUser):
            return adapter.display_name(address, user_id)
        return None  # the log shows the handler's pseudonym

    def _adapter(self, address: str) -> Adapter | None:
        platform = platform_of(address)
        return next((a for a in self.adapters if a.name == platform), None)

    def can_forget(self, address: str) -> bool:
        return isinstance(self._adapter(address), CanForgetChat)

    def forget_chat(self, address: str) -> int | None:
        adapter = self._adapter(address)
        return adapter.forget_chat(address) if isinstance(adapter, CanForgetChat) else None

    def unreachable(self) -> list[Group]:
        """Groups with no channel on any running platform (their alerts could not go out)."""
        return [g for g in self.org.groups if not self.addresses(g)]
