"""PostgreSQL: the trigram GIN index without a pending list (``fastupdate = off``).

With the pending list every search scans the not-yet-merged entries one by one and the planner
prices the index by them, so between vacuums searches grow slower and the planner drifts to
scans. Writes pay the index update at once instead (one record per write).
"""

from django.db import migrations


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX search_document_text_trgm SET (fastupdate = off)")
        schema_editor.execute("SELECT gin_clean_pending_list('search_document_text_trgm'::regclass)")


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER INDEX search_document_text_trgm RESET (fastupdate)")


class Migration(migrations.Migration):
    dependencies = [("search", "0002_trigram_indexes")]

    operations = [migrations.RunPython(forward, backward)]
