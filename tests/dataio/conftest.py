"""Fixtures of the import/export/bulk edit tests."""

import pytest


@pytest.fixture
def importer(alice, grant):
    return grant(alice, "import")


@pytest.fixture
def run_file(tmp_path):
    """``run_file(user, set_name, content: bytes, name, **options)`` → the finished Import (run in-process)."""
    from rapport.dataio import service

    def run(user, set_name, content: bytes, name="data.csv", mapping=None, **options):
        path = tmp_path / name
        path.write_bytes(content)
        job = service.prepare_import(user, set_name, str(path), name)
        service.configure(job, mapping=mapping, **options)
        return service.start(job, run_now=True)

    return run
