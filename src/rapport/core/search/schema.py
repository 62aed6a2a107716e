"""Database-specific parts of the search index that Django's schema editor cannot express.

The migration creates them with its own (frozen) copy of these statements; the bulk rebuild
uses these to drop and recreate the trigram structures around a load, which is far faster
than maintaining them row by row.
"""

SQLITE_FTS = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_document_fts USING fts5("
    "text, content='search_document', content_rowid='id', tokenize='trigram')"
)
SQLITE_TRIGGERS = [
    "CREATE TRIGGER IF NOT EXISTS search_document_fts_insert AFTER INSERT ON search_document BEGIN "
    "INSERT INTO search_document_fts(rowid, text) VALUES (new.id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_fts_delete AFTER DELETE ON search_document BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, text) VALUES ('delete', old.id, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS search_document_fts_update AFTER UPDATE OF text ON search_document BEGIN "
    "INSERT INTO search_document_fts(search_document_fts, rowid, text) VALUES ('delete', old.id, old.text); "
    "INSERT INTO search_document_fts(rowid, text) VALUES (new.id, new.text); END",
]
SQLITE_DROP_TRIGGERS = [
    "DROP TRIGGER IF EXISTS search_document_fts_insert",
    "DROP TRIGGER IF EXISTS search_document_fts_delete",
    "DROP TRIGGER IF EXISTS search_document_fts_update",
]
SQLITE_FTS_REBUILD = "INSERT INTO search_document_fts(search_document_fts) VALUES ('rebuild')"

POSTGRES_TRGM_INDEX = (
    "CREATE INDEX IF NOT EXISTS search_document_text_trgm ON search_document USING gin (text gin_trgm_ops) "
    "WITH (fastupdate = off)"
)
POSTGRES_DROP_TRGM_INDEX = "DROP INDEX IF EXISTS search_document_text_trgm"
# Both databases: the gram look-up index is built after a bulk load, not row by row.
GRAM_INDEX = "CREATE INDEX IF NOT EXISTS search_gram_gram_idx ON search_gram (gram, document_id)"
DROP_GRAM_INDEX = "DROP INDEX IF EXISTS search_gram_gram_idx"
