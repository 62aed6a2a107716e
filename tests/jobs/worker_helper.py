"""Run by the worker tests in a subprocess, against the database named by DATABASE_URL.

    python -m tests.jobs.worker_helper enqueue <task name> <json args>   -> prints the job id
    python -m tests.jobs.worker_helper status <job id>                    -> prints the job as JSON
    python -m tests.jobs.worker_helper schedule <name> <task name> <json args>  (due now, hourly)
"""

import json
import os
import sys


def main(argv: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rapport.settings")
    import django

    django.setup()
    import datetime as dt

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    from rapport.core.jobs.models import ScheduledJob
    from tests.jobs import sample_tasks

    command, *rest = argv
    if command == "enqueue":
        name, args = rest
        print(getattr(sample_tasks, name).enqueue(*json.loads(args)).id)
    elif command == "status":
        row = DBTaskResult.objects.get(pk=rest[0])
        print(json.dumps({"status": row.status, "worker_ids": row.worker_ids, "traceback": row.traceback,
                          "exception": row.exception_class_path}))
    elif command == "schedule":
        name, task_name, args = rest
        ScheduledJob.objects.create(name=name, task_path=f"tests.jobs.sample_tasks.{task_name}",
                                    args=json.loads(args), interval_seconds=3600,
                                    next_run_on=timezone.now() - dt.timedelta(seconds=1))
    elif command == "scheduled":
        print(json.dumps(list(ScheduledJob.objects.filter(name=rest[0]).values("next_run_on", "last_run_on",
                                                                                "locked_by", "last_task_id")),
                         default=str))
    else:
        print(f"unknown command {command}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
