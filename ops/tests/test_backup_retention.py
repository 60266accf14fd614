"""Retention keeps the last 30 days' backups and the first of each of the last 12 months, nothing else."""

from __future__ import annotations

import datetime as dt

from kernel.registry import erased_data_gone_within_days
from ops.backup.service import NAME_FORMAT, plan_retention

NOW = dt.datetime(2026, 12, 6, 3, 0, tzinfo=dt.UTC)


def _daily_names(days: int) -> list[str]:
    return [(NOW - dt.timedelta(days=n)).strftime(NAME_FORMAT) for n in range(days)]


def test_daily_backups_of_two_years_keep_thirty_days_and_twelve_monthly_firsts():
    names = [*_daily_names(730), "notes.txt"]
    kept, deleted = plan_retention(names, now=NOW, daily=30, monthly=12)
    recent = set(_daily_names(30))
    monthly = set(kept) - recent - {"notes.txt"}
    assert recent <= set(kept) and "notes.txt" in kept
    assert sorted(monthly) == sorted(
        dt.datetime(y, m, 1, 3, 0, tzinfo=dt.UTC).strftime(NAME_FORMAT)
        for y, m in [(2026, m) for m in range(1, 12)])  # December's first is among the last 30 days
    assert len(kept) + len(deleted) == len(names) and not set(kept) & set(deleted)
    oldest_kept = min(dt.datetime.strptime(n, NAME_FORMAT).replace(tzinfo=dt.UTC) for n in kept if n != "notes.txt")
    assert (NOW - oldest_kept).days <= erased_data_gone_within_days()


def test_without_monthly_backups_only_the_last_days_stay(settings):
    settings.BACKUP_KEEP_MONTHLY = 0
    settings.BACKUP_KEEP_DAILY = 7
    kept, _ = plan_retention(_daily_names(40), now=NOW)
    assert kept == sorted(_daily_names(7))
    assert erased_data_gone_within_days() == 8
