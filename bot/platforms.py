"""The platforms: every adapter module in `adapters/` that names an ADAPTER, built from the env.

A new platform is one new file in `adapters/` with a module-level `ADAPTER` class that has
`from_env(env, org)` (None when not configured), `routes()` (HTTP routes for Trygg's one
server) and `async serve(stop)` (its long-running part). Nothing here names a platform.
"""

from __future__ import annotations

import ast
import asyncio
import functools
import importlib
import importlib.util
import pkgutil
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol, cast, runtime_checkable

import adapters
from bot.errors import StartupError
from conversations.adapter import Adapter
from conversations.errors import AdapterConfigError
from conversations.org import Org

if TYPE_CHECKING:  # the console starts without the web framework
    from starlette.routing import BaseRoute

# `TRIGGERS = ("A", "B")` in an adapter's source (a tuple of string literals).
_TRIGGERS = re.compile(r"^[ \t]*TRIGGERS\b[^=\n]*=\s*(\([^()]*\))", re.MULTILINE)


@runtime_checkable
class Platform(Adapter, Protocol):
    """How Trygg runs an adapter: routes on its HTTP server and a task on its event loop."""

    def routes(self) -> Sequence[BaseRoute]:
        """HTTP routes (webhooks) to mount on Trygg's server; [] when it needs none."""

    async def serve(self, stop: asyncio.Event) -> None:
        """Run until `stop` is set (polling, a socket, a sync loop); return when stopped."""


class Factory(Protocol):
    """An adapter class: the variables that turn it on, and how it is built from them."""

    TRIGGERS: tuple[str, ...]

    def from_env(self, env: Mapping[str, str], org: Org) -> Platform | None: ...


def factories() -> dict[str, Factory]:
    """Every adapter class in the `adapters` package, by module name."""
    found: dict[str, Factory] = {}
    for module in sorted(pkgutil.iter_modules(adapters.__path__), key=lambda m: m.name):
        loaded = importlib.import_module(f"{adapters.__name__}.{module.name}")
        factory = getattr(loaded, "ADAPTER", None)
        if factory is not None:
            found[module.name] = cast(Factory, factory)
    return found


@functools.cache
def triggers() -> dict[str, tuple[str, ...]]:
    """Each adapter module's TRIGGERS, read from its source without importing it (nor parsing
    all of it): the local console starts without loading any platform's library."""
    found: dict[str, tuple[str, ...]] = {}
    for module in pkgutil.iter_modules(adapters.__path__):
        spec = importlib.util.find_spec(f"{adapters.__name__}.{module.name}")
        if spec is None or spec.origin is None or not spec.origin.endswith(".py"):
            continue
        with open(spec.origin, encoding="utf-8") as handle:
            declared = _TRIGGERS.search(handle.read())
        if declared is not None:
            found[module.name] = tuple(ast.literal_eval(declared.group(1)))
    return found


def configured(env: Mapping[str, str]) -> bool:
    """Whether any platform's variables are set (then the keys must come from the environment)."""
    return any(env.get(name, "").strip() for names in triggers().values() for name in names)


def discover(env: Mapping[str, str], org: Org) -> list[Platform]:
    """The platforms whose variables are set; a half-configured one is one line naming it."""
    running: list[Platform] = []
    for factory in factories().values():
        try:
            platform = factory.from_env(env, org)
        except AdapterConfigError as exc:
            raise StartupError(str(exc), "platform_config") from None
        if platform is not None:
            running.append(platform)
    return running
