"""The migrations and the models describe one schema.

Tables, columns, types and indexes (partial ones included) created by running every
migration must be what the models declare: a model change without its migration (or the
reverse) fails here rather than on a deployed database.
"""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Engine, create_engine, inspect

from services import schema


def _index_names(engine: Engine) -> set[str]:
    inspector = inspect(engine)
    return {
        str(index["name"])
        for table in inspector.get_table_names()
        for index in inspector.get_indexes(table)
    }


def test_migrated_schema_matches_the_models(database_url: str) -> None:
    metadata = schema.metadata()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            diff = compare_metadata(context, metadata)
        existing = _index_names(engine)
    finally:
        engine.dispose()
    # Alembic compares expression indexes (priority DESC) only approximately and reports
    # them as dropped and re-added: for those, that they exist is what is checked.
    expression_indexes = {
        str(index.name)
        for table in metadata.tables.values()
        for index in table.indexes
        if any(not isinstance(e, Column) for e in index.expressions)
    }
    assert expression_indexes <= existing
    diff = [
        d
        for d in diff
        if not (
            isinstance(d, tuple)
            and d[0] in ("add_index", "remove_index")
            and d[1].name in expression_indexes
        )
    ]
    assert diff == [], "models and migrations disagree:\n" + "\n".join(map(str, diff))
