"""The composition root: settings, CLI, wiring of storage, engine and adapters."""
