"""The production profile: settings of deploy/tilli.env.example, static files, database connections, locks.

The whole profile (granian, workers, scheduler, PostgreSQL, SMTP) is booted and exercised from outside by
bin/smoke-production in CI (`make smoke-production`); these tests pin its parts.
"""

import base64
import re
import secrets
import subprocess
import sys
from pathlib import Path

import brotli
from django.core.management import call_command
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]


def example_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    """deploy/tilli.env.example with its CHANGE-ME values filled in, and a local SQLite database."""
    env = {}
    for line in (ROOT / "deploy" / "tilli.env.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key] = value
    env.update({
        "SECRET_KEY": secrets.token_urlsafe(60),
        "TILLI_MASTER_KEYS": "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "BACKUP_KEY": "b1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "TILLI_BACKUP_DIR": str(tmp_path / "backups"), "METRICS_TOKEN": secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "TILLI_VAR_DIR": str(tmp_path / "var"), "TILLI_STATIC_ROOT": str(tmp_path / "static"),
        "TILLI_ENV_FILE": "/nonexistent", "PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
    })
    env.update({k: v.replace("CHANGE-ME", "x") for k, v in env.items()})
    env.update(overrides)
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_check_deploy_is_clean_with_the_example_production_settings(tmp_path):
    result = manage(example_env(tmp_path), "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_production_keeps_database_connections_and_checks_them_before_reuse(tmp_path):
    show = "from django.db import connection as c; print(c.settings_dict['CONN_MAX_AGE'], " \
           "c.settings_dict['CONN_HEALTH_CHECKS'])"
    assert manage(example_env(tmp_path), "shell", "--no-imports", "-c", show).stdout.split() == ["60", "True"]
    development = manage(example_env(tmp_path, DEBUG="1", DB_CONN_MAX_AGE=""), "shell", "--no-imports", "-c", show)
    assert development.stdout.split() == ["0", "True"]


def test_production_serves_static_files_hashed_and_compressed(tmp_path):
    source, root = tmp_path / "source", tmp_path / "static"
    (source / "vendor").mkdir(parents=True)
    (source / "site.css").write_text("body { background: url('bg.png'); }\n" + "p { margin: 0 }\n" * 200)
    (source / "bg.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    # A vendored, minified library naming a source map that is not shipped: collectstatic must not fail.
    (source / "vendor" / "lib.min.js").write_text("var a=1;\n//# sourceMappingURL=lib.min.js.map\n")
    storages = {"default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
                "staticfiles": {"BACKEND": "tilli.lib.static_storage.StaticStorage"}}
    with override_settings(STATICFILES_DIRS=[source], STATIC_ROOT=root, STORAGES=storages,
                           STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
                           WHITENOISE_USE_FINDERS=False, WHITENOISE_AUTOREFRESH=False):
        call_command("collectstatic", interactive=False, verbosity=0)
        from django.contrib.staticfiles.storage import staticfiles_storage

        hashed_css = staticfiles_storage.url("site.css")
        hashed_png = staticfiles_storage.url("bg.png")
        assert re.fullmatch(r"/static/site\.[0-9a-f]{12}\.css", hashed_css)
        assert (root / hashed_css.removeprefix("/static/")).with_suffix(".css.br").exists()
        assert (root / hashed_css.removeprefix("/static/")).with_suffix(".css.gz").exists()

        response = Client().get(hashed_css, headers={"accept-encoding": "br, gzip"})
        assert response.status_code == 200
        assert response["Content-Encoding"] == "br"
        assert "immutable" in response["Cache-Control"]
        css = brotli.decompress(b"".join(response.streaming_content)).decode()
        assert hashed_png.removeprefix("/static/") in css  # references rewritten to the hashed names
        assert Client().get("/static/vendor/lib.min.js").status_code == 200


def _pins(lock: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.\-]+)==(\S+) \\$", lock.read_text(), flags=re.MULTILINE))


def test_the_locks_split_production_from_tools_with_hashes_everywhere():
    production, development = ROOT / "requirements.lock", ROOT / "requirements-dev.lock"
    prod_pins, dev_pins = _pins(production), _pins(development)
    for lock in (production, development):
        entries = re.split(r"\n(?=[A-Za-z])", lock.read_text().strip())
        assert entries and all("--hash=sha256:" in entry for entry in entries), lock.name
    # Development installs the production set at the very same versions, plus the tools.
    assert {name: dev_pins.get(name) for name in prod_pins} == prod_pins
    for tool in ("pytest", "ruff", "playwright", "moto", "hypothesis", "aiosmtpd", "gunicorn"):
        assert tool in dev_pins and tool not in prod_pins, tool
    for needed in ("django", "granian", "whitenoise", "psycopg", "boto3", "prometheus-client"):
        assert needed in prod_pins, needed


def _entrypoint_roles() -> set[str]:
    script = (ROOT / "deploy" / "entrypoint.sh").read_text()
    return set(re.findall(r"^  ([a-z]+)\)", script, flags=re.MULTILINE))


def test_compose_runs_every_role_from_the_one_image_through_the_entrypoint():
    import yaml

    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"postgres", "migrate", "web", "worker", "scheduler", "backup"}
    for name in ("migrate", "web", "worker", "scheduler", "backup"):
        service = services[name]
        assert service["image"] == "localhost/tilli:latest"
        assert service["command"][0] in _entrypoint_roles(), name
        assert service["environment"]["TILLI_BIND"] == "0.0.0.0:8000"
    assert services["web"]["ports"] == ["127.0.0.1:8000:8000"]  # only the proxy on the host reaches it
    assert services["worker"]["deploy"]["replicas"] >= 2
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_entrypoint_refuses_an_unknown_role():
    result = subprocess.run(["bash", str(ROOT / "deploy" / "entrypoint.sh"), "nonsense"], capture_output=True,
                            text=True, timeout=30)
    assert result.returncode == 64
    assert "unknown role" in result.stderr
    assert {"web", "worker", "scheduler", "migrate", "backup", "manage"} <= _entrypoint_roles()


def test_the_systemd_units_pass_systemd_analyze_verify(tmp_path):
    import shutil

    import pytest

    if not shutil.which("systemd-analyze") or not Path("/usr/lib/systemd/system/sysinit.target").exists():
        pytest.skip("systemd-analyze is not installed")
    # A root laid out as README "Running in production" says: code and venv in /opt/tilli, settings in /etc/tilli.
    shutil.copytree("/usr/lib/systemd/system", tmp_path / "usr/lib/systemd/system", symlinks=True)
    for program in (".venv/bin/python", "bin/web", "bin/worker", "bin/scheduler"):
        path = tmp_path / "opt/tilli" / program
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("#!/bin/sh\n")
        path.chmod(0o755)
    (tmp_path / "etc/tilli").mkdir(parents=True)
    (tmp_path / "etc/tilli/tilli.env").write_text("")
    units = sorted(p.name for p in (ROOT / "deploy/systemd").iterdir())
    shutil.copytree(ROOT / "deploy/systemd", tmp_path / "etc/systemd/system")
    names = [u.replace("@.service", "@1.service") for u in units]
    assert {"tilli.target", "tilli-web.service", "tilli-worker@1.service", "tilli-scheduler.service",
            "tilli-backup.timer", "tilli-backup.service", "tilli-migrate.service"} <= set(names)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={tmp_path}", *names],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and not result.stderr.strip(), result.stderr
    backup = (ROOT / "deploy/systemd/tilli-backup.service").read_text()
    assert "manage.py backup" in backup
