"""Log formatters that never write exception messages, and put the request id on every line.

Exception texts can carry personal data (a database error quoting the duplicate email,
a validation error quoting input). Logs keep the exception type and the stack frames,
which is what debugging needs, and drop the message. Messages themselves are written by
our code and carry no personal data; as a second line of defence any email address that
reaches a log line anyway (a library quoting its input) is replaced.

The request id is set per request (ops.middleware) in a context variable, so every line
logged while answering it, from any module, can be matched to the access line and to
the X-Request-ID the client saw.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging
import re
import traceback
from http import HTTPStatus

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Standard LogRecord attributes; anything else was passed with `extra=` and is written as a field.
_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}


def scrub(text: str) -> str:
    return _EMAIL.sub("[email]", text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        record.request_id = request_id_var.get()
        return scrub(super().format(record))

    def formatException(self, ei) -> str:
        exc_type, exc, tb = ei
        frames = "".join(traceback.format_list(traceback.extract_tb(tb)))
        chain = []
        cause = exc.__cause__ or exc.__context__ if exc is not None else None
        while cause is not None:
            chain.append(type(cause).__qualname__)
            cause = cause.__cause__ or cause.__context__
        caused_by = f" (while handling: {', '.join(chain)})" if chain else ""
        return f"Traceback (most recent call last):\n{frames}{exc_type.__qualname__}: [message withheld]{caused_by}"


class JsonFormatter(RedactingFormatter):
    """One JSON object per line: time, level, logger, request id, message, `extra=` fields, redacted traceback.

    A record carrying the request (Django's request and server loggers) names the URL pattern,
    never the path, which can hold tokens or, in a query string, what someone typed.
    """

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        request = getattr(record, "request", None)
        match = getattr(request, "resolver_match", None)
        if request is not None and hasattr(request, "path"):
            status = getattr(record, "status_code", None)
            reason = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "Request"
            message = f"{reason}: {match.view_name if match is not None else '<unresolved>'}"
        entry = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "request_id": request_id_var.get(),
            "message": message,
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and key not in entry and key not in ("request", "server_time"):
                entry[key] = value if isinstance(value, (str, int, float, bool, type(None))) else str(value)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return scrub(json.dumps(entry, ensure_ascii=False))
