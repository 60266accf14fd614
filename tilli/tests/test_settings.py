"""Settings come from the environment and fail loudly, naming the variable."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from tilli.lib.env import env_bool, env_int, env_master_keys, env_url, load_env_file

ROOT = Path(__file__).resolve().parents[2]


def production_env(tmp_path: Path, **overrides: str) -> dict[str, str]:
    env = {
        "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"),
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "TILLI_MASTER_KEYS": "k1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "tilli.example.com",
        "TILLI_ENV_FILE": "/nonexistent",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BACKUP_KEY": "b1:" + base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "BACKUP_S3_BUCKET": "tilli-backups",
    }
    env.update(overrides)
    return {k: v for k, v in env.items() if v is not None}


def manage(tmp_path: Path, *args: str, **overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=production_env(tmp_path, **overrides),
                          capture_output=True, text=True, timeout=120)


def test_check_deploy_reports_nothing_with_production_settings(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(("variable", "value"), [
    ("SECRET_KEY", ""),
    ("SECRET_KEY", "short"),
    ("TILLI_MASTER_KEYS", ""),
    ("TILLI_MASTER_KEYS", "k1:bm90MzJieXRlcw=="),
    ("ALLOWED_HOSTS", ""),
    ("DATABASE_URL", "mysql://nope"),
    ("DEBUG", "maybe"),
    ("SMTP_PORT", "twenty-five"),
    ("SMS_GATEWAY", "carrier-pigeon"),
    ("TIME_ZONE", "Mars/Olympus"),
    ("TRUSTED_PROXY_COUNT", "-1"),
])
def test_a_bad_value_stops_start_up_with_the_variables_name(tmp_path, variable, value):
    result = manage(tmp_path, "check", **{variable: value})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr.splitlines()[-1]


def test_an_http_sms_gateway_needs_its_url_and_token(tmp_path):
    result = manage(tmp_path, "check", SMS_GATEWAY="http")
    assert "SMS_GATEWAY_URL" in result.stderr.splitlines()[-1]
    result = manage(tmp_path, "check", SMS_GATEWAY="http", SMS_GATEWAY_URL="https://sms.example.com/send")
    assert "SMS_GATEWAY_TOKEN" in result.stderr.splitlines()[-1]


def test_env_readers(monkeypatch):
    monkeypatch.setenv("FLAG", "yes")
    assert env_bool("FLAG", False) is True
    monkeypatch.setenv("NUMBER", "-1")
    with pytest.raises(ImproperlyConfigured, match="NUMBER must be at least 0"):
        env_int("NUMBER", 5, minimum=0)
    monkeypatch.setenv("ADDR", "ftp://x")
    with pytest.raises(ImproperlyConfigured, match="ADDR must be a URL"):
        env_url("ADDR", schemes=("https",))
    key = base64.urlsafe_b64encode(b"k" * 32).decode()
    monkeypatch.setenv("KEYS", f"new:{key},old:{key}")
    assert list(env_master_keys("KEYS")) == ["new", "old"]
    monkeypatch.setenv("KEYS", f"a:{key},a:{key}")
    with pytest.raises(ImproperlyConfigured, match="appears twice"):
        env_master_keys("KEYS")


def test_env_file_fills_only_what_the_environment_lacks(tmp_path, monkeypatch):
    path = tmp_path / "tilli.env"
    path.write_text("# comment\nTILLI_A=from-file\nTILLI_B=from-file\n")
    monkeypatch.setenv("TILLI_A", "from-env")
    monkeypatch.delenv("TILLI_B", raising=False)
    load_env_file(path)
    assert os.environ["TILLI_A"] == "from-env" and os.environ["TILLI_B"] == "from-file"
    path.write_text("not a setting\n")
    with pytest.raises(ImproperlyConfigured, match="expected KEY=VALUE"):
        load_env_file(path)


@pytest.mark.parametrize(("gateway", "missing"), [("smsapi", "SMSAPI_TOKEN"), ("gatewayapi", "GATEWAYAPI_TOKEN")])
def test_a_provider_sms_gateway_needs_its_token(tmp_path, gateway, missing):
    result = manage(tmp_path, "check", SMS_GATEWAY=gateway)
    assert result.returncode != 0
    assert missing in result.stderr.splitlines()[-1]
    result = manage(tmp_path, "check", SMS_GATEWAY=gateway, **{missing: "token"})
    assert result.returncode == 0, result.stderr
