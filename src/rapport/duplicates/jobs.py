"""Bulk duplicate detection: the duplicate sets of one entity under its active rules."""

from __future__ import annotations

from django.utils import timezone

from rapport.core.entities import get_entity
from rapport.duplicates.detect import active_rules, check_rules
from rapport.duplicates.models import DuplicateJob, DuplicateJobState

BATCH = 1000
MAX_SETS = 5000


def run_job(job_id) -> int:
    """Check every active record of the job's entity; store the sets (each record in one set)."""
    job = DuplicateJob.objects.get(pk=job_id)
    job.state, job.error = DuplicateJobState.RUNNING, ""
    job.save(update_fields=["state", "error"])
    try:
        spec = get_entity(job.entity)
        rules = [r for r in active_rules(base=job.entity) if r.matching_entity == job.entity]
        parent: dict = {}

        def find(x):
            while parent.get(x, x) != x:
                parent[x] = parent.get(parent[x], parent[x])
                x = parent[x]
            return x

        rule_of: dict = {}
        checked, last = 0, None
        records = spec.model.objects.order_by("pk")
        if spec.has_state:
            records = records.filter(state="active")
        while rules:
            page = records if last is None else records.filter(pk__gt=last)
            batch = list(page[:BATCH])
            if not batch:
                break
            for record in batch:
                for match in check_rules(job.entity, record, exclude_id=record.pk, rules=rules):
                    a, b = find(record.pk), find(match.record.pk)
                    if a != b:
                        parent[a] = b
                    rule_of.setdefault(record.pk, match.rule)
                    rule_of.setdefault(match.record.pk, match.rule)
            checked += len(batch)
            last = batch[-1].pk
        groups: dict = {}
        for member in list(parent):
            groups.setdefault(find(member), set()).add(member)
        for root in list(groups):
            groups[root].add(root)
        sets = [{"rule": next((rule_of[m] for m in sorted(members, key=str) if m in rule_of), ""),
                 "ids": sorted(str(m) for m in members)}
                for root, members in groups.items() if len(members) > 1]
        sets.sort(key=lambda s: (-len(s["ids"]), s["ids"][0]))
        job.sets = sets[:MAX_SETS]
        job.records_checked = checked
        job.state = DuplicateJobState.FINISHED
    except Exception as error:  # noqa: BLE001 - the job page shows what went wrong
        job.state, job.error = DuplicateJobState.FAILED, str(error)[:2000]
        raise
    finally:
        job.finished_on = timezone.now()
        job.save()
    return len(job.sets)
