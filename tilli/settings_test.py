"""Test settings: fixed throwaway secrets, then the real settings module unchanged."""

import os

os.environ.setdefault("SECRET_KEY", "test-" + "x" * 60)
os.environ.setdefault("TILLI_MASTER_KEYS", "k1:" + "A" * 43 + "=")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
os.environ.setdefault("SECURE_COOKIES", "0")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("MAIL_BACKEND", "smtp")
os.environ.setdefault("TILLI_ENV_FILE", "/nonexistent")
os.environ.setdefault("DB_CONN_MAX_AGE", "0")  # threads in tests close their connections

from tilli.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast hashing in tests only
EXPORT_DIR = VAR_DIR / f"test-{os.getpid()}-exports"  # noqa: F405
ERASURE_LEDGER_PATH = VAR_DIR / f"test-{os.getpid()}-erasure-ledger.jsonl"  # noqa: F405
# The tests render pages without running collectstatic first: source files, found where they are.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The replica alias only for the replica tests (TILLI_TEST_REPLICA=1 bin/with-postgres-replica ...): pytest-django
# keeps a mirror's own host and port, so report tests elsewhere would read a database outside their transaction.
if os.environ.get("TILLI_TEST_REPLICA") != "1":
    DATABASES.pop("replica", None)  # noqa: F405
