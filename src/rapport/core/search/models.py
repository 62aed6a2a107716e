"""The search index: one document per record, and the CJK gram index beside it (PLT-6).

``SearchDocument`` holds the normalized quick-find text of one record. Substrings of three or
more characters are found through a trigram index over ``text`` — on SQLite an FTS5 table
(``search_document_fts``, tokenizer ``trigram``, kept in step by triggers), on PostgreSQL a
``pg_trgm`` GIN index — both created by the migration for their database only. One and two
character CJK terms, which neither trigram index serves, are found in ``SearchGram``: every
character unigram and bigram of the document's CJK runs, keyed by the gram.
"""

from django.db import models
from django.db.models import Lookup


class NormalizedTextField(models.TextField):
    """Normalized text; ``__substring`` compiles to a bare ``LIKE`` the trigram index serves."""


@NormalizedTextField.register_lookup
class Substring(Lookup):
    """``column LIKE %s`` with the pattern as given (no ``UPPER()``, no cast, no ESCAPE clause).

    Django's ``contains``/``icontains`` wrap the column in casts or ``UPPER()`` on PostgreSQL,
    which a ``gin_trgm_ops`` index on the bare column does not serve. The caller escapes ``%``,
    ``_`` and ``\\`` (the default LIKE escape character on PostgreSQL).
    """

    lookup_name = "substring"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} LIKE {rhs}", [*lhs_params, *rhs_params]


class SearchDocument(models.Model):
    id = models.BigAutoField(primary_key=True)
    entity = models.CharField(max_length=64)
    record_id = models.UUIDField()
    # The normalized primary field: exact and prefix matches (and ranking). Binary ("C")
    # collation on PostgreSQL so a prefix is one range of the (entity, name) index.
    name = NormalizedTextField(default="")
    # The normalized quick-find fields, one per line.
    text = NormalizedTextField(default="")

    class Meta:
        db_table = "search_document"
        constraints = [models.UniqueConstraint(fields=["entity", "record_id"], name="search_document_record_uniq")]
        indexes = [models.Index(fields=["entity", "name"], name="search_document_name_idx")]


class SearchGram(models.Model):
    pk = models.CompositePrimaryKey("document_id", "gram")
    document_id = models.BigIntegerField()
    gram = models.CharField(max_length=2)

    class Meta:
        db_table = "search_gram"
        indexes = [models.Index(fields=["gram", "document_id"], name="search_gram_gram_idx")]
