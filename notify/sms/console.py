"""Development transport: every message becomes one JSON line in a file, nothing leaves the machine.

The file holds numbers and texts in clear (that is its purpose: to read what would have been
sent), so it is for development and demos only; `SMS_GATEWAY=file` is the default only with DEBUG.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from pathlib import Path

from notify.sms.base import SmsResult, SmsTransport
from notify.sms.encoding import sms_parts

_lock = threading.Lock()


class FileTransport(SmsTransport):
    name = "file"

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)

    def send(self, *, to: str, text: str, sender: str, reference: str) -> SmsResult:
        parts = sms_parts(text)
        provider_id = uuid.uuid4().hex
        line = json.dumps({
            "id": provider_id,
            "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "to": to,
            "sender": sender,
            "reference": reference,
            "encoding": parts.encoding,
            "length": parts.length,
            "segments": parts.segments,
            "text": text,
        }, ensure_ascii=False)
        with _lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as outbox:
                outbox.write(line + "\n")
        return SmsResult(provider_id=provider_id, response=f"written parts={parts.segments}")
