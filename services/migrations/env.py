"""Alembic environment: the URL and connection come from services.migrate, never a file."""

from __future__ import annotations

from alembic import context

from services.schema import metadata

config = context.config
target_metadata = metadata()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations through services.migrate.upgrade()")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
