"""Write a development environment file with fresh random secrets, once.

Run before Django starts (`python -m tilli.envfile var/tilli.env`), because settings
refuse to start without a secret key and a master key. An existing file is left alone,
so the demo database stays readable across restarts.

The development file also offers online payment in TEST MODE through the providers' local doubles
(`demo_payments`): `bin/serve` starts them (`manage.py serve_payment_doubles`) on the fixed loopback ports
named here as the gateways' API bases. A file written before these lines existed keeps working: without
them no gateway is offered (`python -m tilli.envfile --demo-payments >> var/tilli.env` adds them). The
production profile never gets them.

`--production` writes the production profile for trying it on this machine (`make serve`): DEBUG off,
but plain HTTP on loopback, so without the TLS settings a real deployment has (deploy/tilli.env.example).
"""

import base64
import secrets
import sys
from pathlib import Path

LOCAL_PRODUCTION = (
    "# The production profile on loopback, written by `make serve`: plain HTTP, so no TLS settings.\n"
    "DEBUG=0\n"
    "ALLOWED_HOSTS=127.0.0.1,localhost\n"
    "SITE_URL=http://127.0.0.1:8000\n"
    "SECURE_SSL_REDIRECT=0\n"
    "SECURE_COOKIES=0\n"
    "SECURE_HSTS_SECONDS=0\n"
    "MAIL_BACKEND=console\n"
)


# The doubles' loopback ports; billing/gateways/doubles/demo.py serves each gateway on its API base's port.
DEMO_PAYMENT_PORTS = {"paytrail": 8701, "przelewy24": 8702, "stripe": 8703}


def demo_payments() -> str:
    """The env lines of the demo's online payments: the three gateways through their doubles, test mode."""
    ports = DEMO_PAYMENT_PORTS
    return (
        "# Online payment in TEST MODE through the providers' local doubles, which bin/serve starts\n"
        "# (manage.py serve_payment_doubles). Remove these lines to offer no online payment.\n"
        "PAYMENT_DOUBLES=1\n"
        "PAYMENT_GATEWAYS=paytrail,przelewy24,stripe\n"
        "PAYMENTS_LIVE=0\n"
        "PAYTRAIL_ACCOUNT=375917\n"
        "PAYTRAIL_SECRET=SAIPPUAKAUPPIAS\n"
        f"PAYTRAIL_API_BASE=http://127.0.0.1:{ports['paytrail']}\n"
        "P24_MERCHANT_ID=424242\n"
        "P24_POS_ID=424242\n"
        f"P24_CRC={secrets.token_hex(8)}\n"
        f"P24_API_KEY={secrets.token_hex(16)}\n"
        f"P24_API_BASE=http://127.0.0.1:{ports['przelewy24']}\n"
        f"STRIPE_SECRET_KEY=sk_test_{secrets.token_hex(12)}\n"
        f"STRIPE_WEBHOOK_SECRET=whsec_{secrets.token_hex(16)}\n"
        f"STRIPE_API_BASE=http://127.0.0.1:{ports['stripe']}\n"
    )


def main(path: str, production: bool = False) -> None:
    target = Path(path)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    master = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    header = LOCAL_PRODUCTION if production else (
        "# Development settings written by `make run`; never use in production.\nDEBUG=1\n")
    target.write_text(
        header + f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"TILLI_MASTER_KEYS=k1:{master}\n" + ("" if production else demo_payments()),
        encoding="utf-8",
    )
    target.chmod(0o600)
    print(f"Wrote {target} with new development secrets.")


if __name__ == "__main__":
    if "--demo-payments" in sys.argv[1:]:
        sys.stdout.write(demo_payments())  # to append to a development file written before these lines existed
        sys.exit(0)
    args = [a for a in sys.argv[1:] if a != "--production"]
    main(args[0] if args else "var/tilli.env", production="--production" in sys.argv[1:])
