"""PostgreSQL: no JIT compilation for Rapport's database (``ALTER DATABASE … SET jit = off``).

Searches over every entity are priced high by the planner (one visibility subquery per entity),
which crosses ``jit_above_cost``: measured on the 1M bench set, a global search that reads 200
documents in 20 ms spent 410 ms compiling itself first. A database default rather than a
connection option, so it holds behind PgBouncer too; new connections pick it up. A role that does
not own the database cannot set it: the migration says so and goes on (set it by hand then).
"""

from django.db import migrations

SET_DEFAULT = """
DO $$
BEGIN
    EXECUTE format('ALTER DATABASE %I SET jit = {value}', current_database());
EXCEPTION WHEN insufficient_privilege THEN
    RAISE WARNING 'Rapport could not turn JIT off for its database; run: ALTER DATABASE % SET jit = off',
        current_database();
END
$$;
"""


def _run(schema_editor, sql: str) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(sql)  # no parameters: the %-signs are PL/pgSQL's


def forward(apps, schema_editor):
    _run(schema_editor, SET_DEFAULT.replace("{value}", "off"))
    _run(schema_editor, "SET jit = off")  # this connection too


def backward(apps, schema_editor):
    _run(schema_editor, SET_DEFAULT.replace("SET jit = {value}", "RESET jit"))


class Migration(migrations.Migration):
    dependencies = [("search", "0003_trigram_index_without_pending_list")]

    operations = [migrations.RunPython(forward, backward)]
