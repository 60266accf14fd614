"""Write a development environment file with fresh random secrets, once.

Run before Django starts (`python -m tilli.envfile var/tilli.env`), because settings
refuse to start without a secret key and a master key. An existing file is left alone,
so the demo database stays readable across restarts.

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
        f"TILLI_MASTER_KEYS=k1:{master}\n",
        encoding="utf-8",
    )
    target.chmod(0o600)
    print(f"Wrote {target} with new development secrets.")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a != "--production"]
    main(args[0] if args else "var/tilli.env", production="--production" in sys.argv[1:])
