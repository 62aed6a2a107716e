"""Tasks the worker tests enqueue; side effects go to files so a subprocess worker's runs can be counted."""

import os
import time

from django_tasks import task


@task()
def append_line(path: str, text: str = "done") -> str:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text + "\n")
    return text


@task()
def wait_for_gate(gate: str, started: str, record: str) -> str:
    """Note the start, block until ``gate`` exists, then record one completion."""
    with open(started, "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    deadline = time.monotonic() + 120
    while not os.path.exists(gate):
        if time.monotonic() > deadline:
            raise TimeoutError("the gate never opened")
        time.sleep(0.05)
    with open(record, "a", encoding="utf-8") as handle:
        handle.write("finished\n")
    return "finished"


@task()
def always_fails(message: str = "the sample job failed") -> None:
    raise ValueError(message)
