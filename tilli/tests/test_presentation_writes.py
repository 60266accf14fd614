"""Presentation only presents: no module of web/ or api/ writes a model, appends to the audit chain or opens a
transaction; writes are services (docs/architecture.md, "Presentation only presents").

The check reads each module's syntax tree, so it needs no running code and cannot be fooled by a code path the
tests never take. It flags, on any receiver: `.save(`, `.delete(`, `.create(`, `bulk_create`/`bulk_update`,
`get_or_create`/`update_or_create`, a form's `save_m2m`; `.update(` on a queryset (a chain through `objects`,
`filter`, `scoped(...)`... or a name bound to one), which a dict's `update` is not; a call of `record(`
(read-audit rows go through `record_many`); and `transaction.atomic` or `atomic` in any form.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
PRESENTATION = ("web", "api")
# api.services is the API app's own write layer: its token model's create, revoke and last-used stamp, one
# transaction and audit row each; the panel's token pages and the API's authentication call it.
ALLOWED = {"api/services.py"}

WRITES = {"save", "delete", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create",
          "save_m2m"}
QUERYSET_STEPS = {"objects", "filter", "exclude", "all", "for_organization", "select_for_update", "order_by",
                  "select_related", "prefetch_related", "only", "defer", "distinct", "_base_manager",
                  "_default_manager", "scoped"}


def _steps(node: ast.AST) -> set[str]:
    """The names along an expression's chain: `scoped(r, M).filter(x=1)` -> {"scoped", "filter"}."""
    names: set[str] = set()
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            names.add(node.id)
            return names
        else:
            return names


def _querysets(tree: ast.AST) -> set[str]:
    """Names bound (anywhere in the module) to a queryset-looking expression."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and _steps(node.value) & QUERYSET_STEPS:
            bound |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return bound


def writes_in(source: str) -> list[str]:
    """Each forbidden call in a module's source, as "line: what"."""
    tree = ast.parse(source)
    querysets = _querysets(tree)
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in WRITES:
                found.append(f"{node.lineno}: .{func.attr}(")
            elif isinstance(func, ast.Attribute) and func.attr == "update" and (
                    _steps(func.value) & (QUERYSET_STEPS | querysets)):
                found.append(f"{node.lineno}: queryset .update(")
            elif (isinstance(func, ast.Name) and func.id == "record") or (
                    isinstance(func, ast.Attribute) and func.attr == "record"):
                found.append(f"{node.lineno}: record(")
        if isinstance(node, ast.Attribute) and node.attr == "atomic":
            found.append(f"{node.lineno}: transaction.atomic")
        if isinstance(node, ast.ImportFrom) and any(alias.name == "atomic" for alias in node.names):
            found.append(f"{node.lineno}: import atomic")
    return sorted(set(found), key=lambda line: int(line.split(":")[0]))


def presentation_modules() -> list[Path]:
    return sorted(path for package in PRESENTATION for path in (ROOT / package).rglob("*.py")
                  if not {"tests", "migrations"} & set(path.relative_to(ROOT).parts)
                  and path.relative_to(ROOT).as_posix() not in ALLOWED)


def test_no_module_of_the_panel_or_the_api_writes():
    modules = presentation_modules()
    assert len(modules) >= 40, "the walk must see web/ and api/"
    found = {path.relative_to(ROOT).as_posix(): writes_in(path.read_text()) for path in modules}
    found = {name: lines for name, lines in found.items() if lines}
    assert not found, "Writes in presentation; move them into a service:\n" + "\n".join(
        f"{name} {line}" for name, lines in sorted(found.items()) for line in lines)


SYNTHETIC = '''
from django.db import transaction
from django.db.transaction import atomic
from kernel.audit import record, record_many

def view(request, form, client, Client):
    client.save()
    form.save(commit=False)
    form.save_m2m()
    client.delete()
    Client.objects.create(name="x")
    Client.objects.bulk_create([])
    Client.objects.bulk_update([], ["name"])
    Client.objects.get_or_create(name="x")
    Client.objects.filter(pk=1).update(name="y")
    rows = scoped(request, Client).exclude(pk=2)
    rows.update(name="z")
    with transaction.atomic():
        pass
    record(organization=None, actor=None, action="update")
'''


def test_the_check_flags_each_kind_of_write_in_a_module():
    assert writes_in(SYNTHETIC) == [
        "3: import atomic", "7: .save(", "8: .save(", "9: .save_m2m(", "10: .delete(", "11: .create(",
        "12: .bulk_create(", "13: .bulk_update(", "14: .get_or_create(", "15: queryset .update(",
        "17: queryset .update(", "18: transaction.atomic", "20: record("]


def test_the_check_leaves_reading_and_presenting_alone():
    presenting = '''
from kernel.audit import record_many

@transaction.non_atomic_requests
def view(request, context, initial, seen):
    context.update(query="q")
    initial.update({"a": 1})
    request.session["k"] = 1
    seen.add(3)
    record_many(organization=None, actor=None, action="view", object_type="x", subjects=[])
    return Client.objects.filter(pk=1).order_by("pk")
'''
    assert writes_in(presenting) == []
