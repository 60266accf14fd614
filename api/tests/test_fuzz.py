"""Fuzzing the whole API from its own OpenAPI schema: whatever a caller sends, never a 5xx.

Schemathesis generates requests for every operation django-ninja documents, both valid ones and ones
that break the schema (wrong types, missing fields, huge numbers, odd text), and sends them through
the WSGI application with a real owner's token of a test organization, so the checks behind
authentication run too. The run is bounded (a few examples per operation, a fixed seed) to stay fast
in `make test`; raise FUZZ_EXAMPLES locally for a longer hunt.
"""

import os
from contextlib import contextmanager, suppress

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from api.services import api_token_create
from kernel.audit import Actor
from tilli.test import make_bookable, make_client
from tilli.wsgi import application

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "2"))


@pytest.fixture
def api_world(world):
    make_bookable(world.org, world.practitioner)
    for n in range(3):
        make_client(world.org, first_name=f"Asiakas{n}", last_name="Koe", email=f"a{n}@example.test")
    token = api_token_create(membership=world.owner, name="fuzz", actor=Actor.system("test"))[1]
    return world, token


@contextmanager
def _connection_kept_open():
    """As Django's test client does: the WSGI handler would close the test's database connection (and its
    transaction with the test data) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def _failure(operation, case, response) -> list[str]:
    if response.status_code < 500:
        return []
    return [f"{response.status_code} {operation.label}: {case.as_curl_command()}"]


def _edges(schema, operation, headers: dict, path_parameters: dict) -> list[str]:
    """Schemathesis's coverage cases: each parameter at and beyond its bounds (64-bit edges, empty, null,
    wrong types, unknown fields), deterministic, so a regression shows on every run."""
    failures: list[str] = []
    for case in schema.iter_coverage_cases(operation, generation_modes=list(GenerationMode),
                                           generation_config=schema.config.generation_for(operation=operation)):
        case.path_parameters = {**(case.path_parameters or {}), **path_parameters}
        failures += _failure(operation, case, case.call(headers=headers))
    return failures


def _fuzz(operation, mode: GenerationMode, headers: dict, path_parameters: dict) -> list[str]:
    failures: list[str] = []

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True, report_multiple_bugs=False,
              suppress_health_check=list(HealthCheck))
    def run(case):
        failures.extend(_failure(operation, case, case.call(headers=headers)))

    with suppress(Unsatisfiable):  # an operation without parameters or body has no invalid request to make
        run()
    return failures


@pytest.mark.django_db(transaction=False)
def test_no_request_to_the_api_answers_a_server_error(api_world):
    world, token = api_world
    headers = {"Authorization": f"Bearer {token}"}
    failures: list[str] = []
    with _connection_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) > 30  # every router is in the schema
        for operation in operations:
            fixed = {"booking_slug": world.org.slug} if "{booking_slug}" in operation.path else {}
            failures += _edges(schema, operation, headers, fixed)
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                failures += _fuzz(operation, mode, headers, fixed)
    assert not failures, "\n".join(failures[:20])
