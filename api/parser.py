"""The API's body parser: JSON in UTF-8, and only text a database can store.

JSON may spell a lone surrogate ("\\udc80") or a NUL ("\\u0000"); json.loads gives them back as a
Python str that no UTF-8 encoder, and no PostgreSQL text column, accepts, so they used to fail deep
in a service as a server error. Refusing them here, for every body, answers 400 instead.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.parser import Parser

from tilli.lib.text import storable


def _check(value: Any) -> None:
    if isinstance(value, str):
        if not storable(value):
            raise HttpError(400, "unstorable text")  # answered by api.errors as 400 bad_request
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key)
            _check(item)
    elif isinstance(value, list):
        for item in value:
            _check(item)


class StrictJsonParser(Parser):
    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        data = json.loads(request.body.decode("utf-8"))  # invalid UTF-8 raises: ninja answers 400
        _check(data)
        return data

    def parse_querydict(self, data, list_fields: list[str], request: HttpRequest) -> dict[str, Any]:
        parsed = super().parse_querydict(data, list_fields, request)
        _check(parsed)  # a query string may spell a NUL (%00) too
        return parsed
