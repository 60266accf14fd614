"""A service's refusal lands on the form in one way: field errors on their field, a domain error above it."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from privacy.errors import RequestError
from tilli.errors import Conflict
from web.form_errors import apply_errors


class _Form(forms.Form):
    reasons = forms.CharField(required=False)


def _form() -> _Form:
    form = _Form({"reasons": "x"})
    assert form.is_valid()
    return form


def test_a_domain_error_shows_its_message_above_the_form_and_keeps_its_code():
    form = _form()
    apply_errors(form, Conflict(RequestError.CLOSED, "This request has already been closed."))
    assert form.non_field_errors() == ["This request has already been closed."]
    assert [e.code for e in form.errors.as_data()["__all__"]] == ["closed"]


def test_field_errors_go_to_the_field_the_form_has_and_the_rest_above_it():
    form = _form()
    apply_errors(form, ValidationError({"reasons": ["Give the reasons."], "months": ["One or two."]}))
    assert form.errors["reasons"] == ["Give the reasons."]
    assert form.non_field_errors() == ["One or two."]
