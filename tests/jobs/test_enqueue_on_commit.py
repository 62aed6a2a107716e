"""A job asked for inside a transaction runs only if that transaction commits."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from rapport.core.jobs import enqueue_on_commit
from rapport.core.jobs.worker import Worker
from tests.jobs import sample_tasks


class Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_a_job_enqueued_in_a_transaction_that_rolls_back_never_runs(tmp_path):
    rolled_back, committed = tmp_path / "rolled-back", tmp_path / "committed"
    with pytest.raises(Rollback):
        with transaction.atomic():
            enqueue_on_commit(sample_tasks.append_line, str(rolled_back))
            raise Rollback
    with transaction.atomic():
        enqueue_on_commit(sample_tasks.append_line, str(committed), text="kept")
        assert DBTaskResult.objects.count() == 0  # not before the commit

    assert DBTaskResult.objects.count() == 1
    Worker(heartbeat=False, interval=0).run(once=True)
    assert not rolled_back.exists()
    assert committed.read_text() == "kept\n"
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_savepoint_drops_its_job_but_the_outer_commit_keeps_the_rest(tmp_path):
    inner, outer = tmp_path / "inner", tmp_path / "outer"
    with transaction.atomic():
        enqueue_on_commit(sample_tasks.append_line, str(outer))
        with pytest.raises(Rollback):
            with transaction.atomic():
                enqueue_on_commit(sample_tasks.append_line, str(inner))
                raise Rollback
    Worker(heartbeat=False, interval=0).run(once=True)
    assert outer.exists() and not inner.exists()
