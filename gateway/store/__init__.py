"""Persistence: tables, the engine, migrations and the functions connectors use."""
