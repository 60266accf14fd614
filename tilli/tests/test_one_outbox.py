"""One outbox: only notify's delivery talks to a mail server; everything else queues through notify.outbox."""

from __future__ import annotations

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SENDER = Path("notify/delivery.py")
# Django's ways to send mail, by the names a module would import or call.
MAIL_NAMES = {"send_mail", "send_mass_mail", "mail_admins", "mail_managers", "EmailMessage",
              "EmailMultiAlternatives", "get_connection", "mailers", "send_messages", "SMTP", "SMTP_SSL"}
SKIPPED_DIRS = {".venv", "node_modules", "staticfiles", "var", "tests", "tests_e2e", "bench", "migrations"}


def _sources():
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if SKIPPED_DIRS & set(relative.parts[:-1]) or relative.name == "conftest.py":
            continue
        yield relative, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _mail_uses(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("django.core.mail"):
            if not (node.module or "").startswith("django.core.mail.backends"):  # writing a backend is not sending
                found += [f"from {node.module} import {alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if a.name.startswith("django.core.mail")
                      and not a.name.startswith("django.core.mail.backends")]
        elif isinstance(node, ast.Attribute) and node.attr in MAIL_NAMES - {"mailers", "EmailMessage"}:
            found.append(f".{node.attr}")
    return found


def test_no_module_but_notify_delivery_sends_mail():
    offenders = {str(path): uses for path, tree in _sources() if path != SENDER and (uses := _mail_uses(tree))}
    assert offenders == {}


def test_the_check_sees_a_direct_send():
    tree = ast.parse("from django.core.mail import send_mail\nsend_mail('s', 'b', None, ['a@example.test'])\n"
                     "import django.core.mail\ndjango.core.mail.get_connection().send_messages([])\n"
                     "import smtplib\nsmtplib.SMTP('127.0.0.1')\n")
    assert sorted(_mail_uses(tree)) == [".SMTP", ".get_connection", ".send_messages",
                                        "from django.core.mail import send_mail", "import django.core.mail"]


def test_notify_delivery_is_the_one_sender():
    assert _mail_uses(ast.parse((ROOT / SENDER).read_text(encoding="utf-8")))
