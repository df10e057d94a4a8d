"""Persistence: SQLAlchemy models, sessions, migrations, encryption and pseudonyms."""
