"""Bring the sub-processor list in line with a JSON file the operator keeps (docs/subprocessors.example.json).

Idempotent: a sub-processor is matched by name among the current ones; a new name is added, a
changed one updated, an unchanged one left alone. With --remove-missing, current ones the file
no longer names are removed. Every change goes through privacy.subprocessors, so each is
announced to every organization's owners; --dry-run shows what would change and writes nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from kernel.audit import Actor
from privacy.models import SubProcessor
from privacy.subprocessors import DESCRIBED, FIELDS, subprocessor_add, subprocessor_remove, subprocessor_update

SEEDER = Actor.system("seed_subprocessors")  # who the operator log names for a change made from the file


def read_list(path: Path) -> list[dict]:
    """The entries of the file: a list, or {"subprocessors": [...]}; keys starting with "_" are notes."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise CommandError(f"{path}: {error}") from None
    entries = data.get("subprocessors") if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise CommandError(f'{path}: expected a list, or an object with a "subprocessors" list')
    out = []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise CommandError(f"{path}: entry {number} is not an object")
        entry = {key: value for key, value in entry.items() if not key.startswith("_")}
        missing = [name for name in DESCRIBED if not str(entry.get(name, "")).strip()]
        unknown = sorted(set(entry) - set(FIELDS))
        if missing or unknown:
            raise CommandError(f"{path}: entry {number} ({entry.get('name', '?')}): "
                               + "; ".join(filter(None, [missing and f"missing {', '.join(missing)}",
                                                         unknown and f"unknown {', '.join(unknown)}"])))
        entry.setdefault("position", number * 10)
        out.append(entry)
    names = [entry["name"] for entry in out]
    if len(set(names)) != len(names):
        raise CommandError(f"{path}: a name appears twice")
    return out


class Command(BaseCommand):
    help = "Add or update the operator's sub-processors from a JSON file; each change is announced to every owner."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path, help="JSON file, e.g. docs/subprocessors.example.json")
        parser.add_argument("--remove-missing", action="store_true",
                            help="remove current sub-processors the file does not name")
        parser.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")

    def handle(self, *args, path: Path, remove_missing: bool, dry_run: bool, **options):
        self.verbosity = options["verbosity"]
        entries = read_list(path)
        current = {s.name: s for s in SubProcessor.objects.filter(removed_at=None)}
        counts = {"added": 0, "updated": 0, "unchanged": 0, "removed": 0}
        try:
            with transaction.atomic():
                for entry in entries:
                    existing = current.get(entry["name"])
                    if existing is None:
                        self._say(f"add {entry['name']}", dry_run)
                        if not dry_run:
                            subprocessor_add(**entry, actor=SEEDER)
                        counts["added"] += 1
                        continue
                    differs = [name for name in FIELDS if getattr(existing, name) != entry[name]]
                    if not differs:
                        counts["unchanged"] += 1
                        continue
                    self._say(f"update {entry['name']}: {', '.join(differs)}", dry_run)
                    if not dry_run:
                        subprocessor_update(subprocessor=existing, actor=SEEDER,
                                            **{name: entry[name] for name in differs})
                    counts["updated"] += 1
                if remove_missing:
                    for name, subprocessor in current.items():
                        if name not in {entry["name"] for entry in entries}:
                            self._say(f"remove {name}", dry_run)
                            if not dry_run:
                                subprocessor_remove(subprocessor=subprocessor, actor=SEEDER)
                            counts["removed"] += 1
        except ValidationError as error:
            raise CommandError(f"{path}: {'; '.join(error.messages)}") from None
        summary = ", ".join(f"{value} {key}" for key, value in counts.items())
        self.stdout.write(("Would change (dry run): " if dry_run else "Sub-processors: ") + summary + ".")

    def _say(self, text: str, dry_run: bool) -> None:
        if self.verbosity >= 1:
            self.stdout.write(("(dry run) " if dry_run else "") + text)
