"""Settings › System jobs: administrators see jobs by status with their errors, and retry failed ones."""

import pytest
from django.test import Client
from django_tasks_db.models import DBTaskResult

from rapport.core.jobs.models import TaskRetry
from rapport.core.jobs.worker import Worker
from tests.jobs import sample_tasks


@pytest.fixture
def failed_job(db):
    result = sample_tasks.always_fails.enqueue("disk full on the report server")
    Worker(heartbeat=False, interval=0).run(once=True)
    return DBTaskResult.objects.get(pk=result.id)


def signed_in(user, **options):
    client = Client(**options)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_an_administrator_sees_queued_and_failed_jobs_with_the_error(admin, failed_job, tmp_path):
    sample_tasks.append_line.enqueue(str(tmp_path / "later"))
    page = signed_in(admin).get("/settings/jobs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "System jobs" in html
    assert "always_fails" in html and "append_line" in html
    assert "ValueError: disk full on the report server" in html
    assert f'action="/settings/jobs/{failed_job.pk}/retry/"' in html

    only_failed = signed_in(admin).get("/settings/jobs/?status=FAILED").content.decode()
    assert "always_fails" in only_failed and "append_line" not in only_failed


@pytest.mark.django_db
def test_retry_queues_the_failed_job_again_once(admin, failed_job):
    client = signed_in(admin, enforce_csrf_checks=True)
    page = client.get("/settings/jobs/")
    token = page.cookies["csrftoken"].value if "csrftoken" in page.cookies else client.cookies["csrftoken"].value

    assert client.post(f"/settings/jobs/{failed_job.pk}/retry/").status_code == 403  # no CSRF token
    response = client.post(f"/settings/jobs/{failed_job.pk}/retry/", {"csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"].startswith("/settings/jobs/")
    retry = TaskRetry.objects.get(failed_task_id=str(failed_job.pk))
    again = DBTaskResult.objects.get(pk=retry.retry_task_id)
    assert again.status == "READY" and again.args_kwargs == failed_job.args_kwargs
    assert retry.retried_by == admin

    client.post(f"/settings/jobs/{failed_job.pk}/retry/", {"csrfmiddlewaretoken": token})  # double submit
    assert DBTaskResult.objects.count() == 2
    html = client.get("/settings/jobs/?status=FAILED").content.decode()
    assert "Retried" in html and f"/settings/jobs/{failed_job.pk}/retry/" not in html


@pytest.mark.django_db
def test_a_job_that_did_not_fail_cannot_be_retried(admin, tmp_path):
    result = sample_tasks.append_line.enqueue(str(tmp_path / "x"))
    signed_in(admin).post(f"/settings/jobs/{result.id}/retry/")
    assert DBTaskResult.objects.count() == 1 and not TaskRetry.objects.exists()


@pytest.mark.django_db
def test_only_administrators_see_or_retry_jobs(alice, failed_job):
    client = signed_in(alice)
    assert client.get("/settings/jobs/").status_code == 403
    assert client.post(f"/settings/jobs/{failed_job.pk}/retry/").status_code == 403
    assert not TaskRetry.objects.exists()
    anonymous = Client().get("/settings/jobs/")
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/login/")


@pytest.mark.django_db
def test_retry_is_a_post(admin, failed_job):
    assert signed_in(admin).get(f"/settings/jobs/{failed_job.pk}/retry/").status_code == 405
