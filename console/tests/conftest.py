"""The operator's staff member in the console: a staff account (not a superuser) with TOTP, used this session."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.models import User
from tilli.test import UserFactory, operator_client


@pytest.fixture
def operator_user(db) -> User:
    return UserFactory(is_staff=True, first_name="Olli", last_name="Operaattori")


@pytest.fixture
def operator(operator_user) -> Client:
    return operator_client(operator_user)
