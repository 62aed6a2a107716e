"""The trigram index over the normalized text, per database (PLT-6).

SQLite: an external-content FTS5 table with the ``trigram`` tokenizer (SQLite >= 3.34), kept in
step with ``search_document`` by triggers. PostgreSQL: ``pg_trgm`` and a GIN index on the bare
``text`` column (queried with ``LIKE '%term%'``), and binary collation on ``name`` so a name
prefix is one index range.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_document_fts USING fts5("
    "text, content='search_document', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER IF NOT EXISTS search_document_fts_insert AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_document_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_fts_delete AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_fts_update AFTER UPDATE OF text ON search_document BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO search_document_fts(rowid, text) VALUES (new.id, new.text); END",
    "INSERT INTO search_document_fts(search_document_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS search_document_fts_insert",
    "DROP TRIGGER IF EXISTS search_document_fts_delete",
    "DROP TRIGGER IF EXISTS search_document_fts_update",
    "DROP TABLE IF EXISTS search_document_fts",
]
POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    'ALTER TABLE search_document ALTER COLUMN name TYPE text COLLATE "C"',
    "CREATE INDEX IF NOT EXISTS search_document_text_trgm ON search_document USING gin (text gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_document_text_trgm",
    'ALTER TABLE search_document ALTER COLUMN name TYPE text COLLATE "default"',
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]
