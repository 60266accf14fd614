"""The declaration of a periodic job, importable from any app's `apps.py` (it loads no models).

`kernel.scheduling` reads these declarations from every app's AppConfig and enqueues each job when due."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Job:
    """A periodic job as an app declares it in its AppConfig's `periodic_jobs`.

    The task is named by its dotted path: the scheduler sits in the kernel, below every app whose jobs it
    runs, so the apps tell it what to run instead of it importing them (see docs/architecture.md)."""

    name: str
    task: str
    every: timedelta
    only_if_setting: str | None = None  # the job is scheduled only while this setting is truthy
