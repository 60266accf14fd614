"""The env file `make run` writes offers online payment through the local doubles, in test mode; the production
profile's never does, and a file written before those lines existed still starts, without gateways."""

import json
import os
import subprocess
import sys
from pathlib import Path

from tilli import envfile

ROOT = Path(__file__).resolve().parents[2]
PAYMENT_KEYS = ("PAYMENT_DOUBLES", "PAYMENT_GATEWAYS", "PAYMENTS_LIVE", "STRIPE_SECRET_KEY", "STRIPE_API_BASE",
                "PAYTRAIL_API_BASE", "P24_API_BASE")

# What the settings say about online payment, read in a fresh process from the env file alone.
READ_SETTINGS = """
import json, django
django.setup()
from django.conf import settings
from billing.gateways import enabled, gateway
for name in enabled():
    gateway(name)  # each gateway's own checks of its credentials (key prefixes, test mode)
print(json.dumps({"gateways": enabled(), "live": settings.PAYMENTS_LIVE, "doubles": settings.PAYMENT_DOUBLES,
                  "bases": {name: getattr(settings, setting, None) for name, setting in
                            (("stripe", "STRIPE_API_BASE"), ("paytrail", "PAYTRAIL_API_BASE"),
                             ("przelewy24", "P24_API_BASE"))}}))
"""


def _lines(path: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))


def _settings_from(path: Path, tmp_path: Path) -> dict:
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), "TILLI_ENV_FILE": str(path),
           "TILLI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "tilli.settings"}
    result = subprocess.run([sys.executable, "-c", READ_SETTINGS], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_the_development_file_names_the_gateways_their_test_secrets_and_the_doubles(tmp_path):
    path = tmp_path / "tilli.env"
    envfile.main(str(path))
    lines = _lines(path)
    assert lines["PAYMENT_DOUBLES"] == "1" and lines["PAYMENTS_LIVE"] == "0"
    assert lines["PAYMENT_GATEWAYS"] == "paytrail,przelewy24,stripe"
    assert lines["STRIPE_SECRET_KEY"].startswith("sk_test_") and lines["STRIPE_WEBHOOK_SECRET"].startswith("whsec_")
    assert lines["PAYTRAIL_ACCOUNT"] == "375917"  # Paytrail's documented test account
    read = _settings_from(path, tmp_path)
    assert read["gateways"] == ["paytrail", "przelewy24", "stripe"] and read["live"] is False and read["doubles"]
    assert read["bases"] == {"paytrail": "http://127.0.0.1:8701", "przelewy24": "http://127.0.0.1:8702",
                             "stripe": "http://127.0.0.1:8703"}
    other = tmp_path / "other.env"
    envfile.main(str(other))
    assert _lines(other)["STRIPE_SECRET_KEY"] != lines["STRIPE_SECRET_KEY"]  # fresh per file, never shared


def test_the_production_profile_has_no_gateway_and_no_double(tmp_path):
    path = tmp_path / "production.env"
    envfile.main(str(path), production=True)
    lines = _lines(path)
    assert not set(PAYMENT_KEYS) & set(lines)
    assert not any(key.startswith(("STRIPE_", "PAYTRAIL_", "P24_")) for key in lines)


def test_a_development_file_written_before_the_payment_lines_still_starts_without_gateways(tmp_path):
    path = tmp_path / "tilli.env"
    envfile.main(str(path))
    old = [line for line in path.read_text().splitlines()
           if not line.startswith(("#", "PAYMENT", "STRIPE_", "PAYTRAIL_", "P24_"))]
    assert [line.split("=")[0] for line in old] == ["DEBUG", "SECRET_KEY", "TILLI_MASTER_KEYS"]
    path.write_text("# Development settings written by `make run`; never use in production.\n" + "\n".join(old))
    read = _settings_from(path, tmp_path)
    assert read["gateways"] == [] and read["doubles"] is False
    assert read["bases"] == {"stripe": None, "paytrail": None, "przelewy24": None}


def test_an_existing_file_is_left_alone(tmp_path):
    path = tmp_path / "tilli.env"
    path.write_text("DEBUG=1\n")
    envfile.main(str(path))
    assert path.read_text() == "DEBUG=1\n"


def test_the_payment_lines_can_be_added_to_an_older_development_file(tmp_path):
    path = tmp_path / "tilli.env"
    path.write_text("DEBUG=1\nSECRET_KEY=" + "k" * 60 + "\nTILLI_MASTER_KEYS=k1:" + "A" * 43 + "=\n")
    added = subprocess.run([sys.executable, "-m", "tilli.envfile", "--demo-payments"], cwd=ROOT, capture_output=True,
                           text=True, timeout=60, check=True).stdout
    path.write_text(path.read_text() + added)
    read = _settings_from(path, tmp_path)
    assert read["gateways"] == ["paytrail", "przelewy24", "stripe"] and read["doubles"] and read["live"] is False
