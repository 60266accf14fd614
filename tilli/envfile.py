"""Write a development environment file with fresh random secrets, once.

Run before Django starts (`python -m tilli.envfile var/tilli.env`), because settings
refuse to start without a secret key and a master key. An existing file is left alone,
so the demo database stays readable across restarts.
"""

import base64
import secrets
import sys
from pathlib import Path


def main(path: str) -> None:
    target = Path(path)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    master = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode()
    target.write_text(
        "# Development settings written by `make run`; never use in production.\n"
        "DEBUG=1\n"
        f"SECRET_KEY={secrets.token_urlsafe(50)}\n"
        f"TILLI_MASTER_KEYS=k1:{master}\n",
        encoding="utf-8",
    )
    target.chmod(0o600)
    print(f"Wrote {target} with new development secrets.")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "var/tilli.env")
