"""PostgreSQL only: pg_trgm and a GIN trigram index for the product search (no-op elsewhere).

The product list searches with ``name__icontains``, which Django compiles on PostgreSQL to
``UPPER("name"::text) LIKE UPPER(%s)``. A trigram index on the bare column is never used for
that predicate, so the index is on ``UPPER(name)``, the very expression the lookup produces.
The index is kept out of the model state on purpose: it does not exist on SQLite.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

TRIGRAM_INDEX_NAME = "product_name_upper_trgm_idx"


def create_trigram_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # Written out rather than GinIndex(OpClass(Upper(...))): OpClass compiles correctly only
    # when django.contrib.postgres is installed, and shopdemo's settings do not require it.
    table = schema_editor.quote_name(apps.get_model("shop", "Product")._meta.db_table)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX {schema_editor.quote_name(TRIGRAM_INDEX_NAME)} ON {table} "
        'USING gin ((UPPER("name"::text)) gin_trgm_ops)'
    )


def drop_trigram_index(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    # The extension stays: other objects in the database may depend on it.
    schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(TRIGRAM_INDEX_NAME)}")


class Migration(migrations.Migration):
    dependencies = [("shop", "0002_indexes")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
