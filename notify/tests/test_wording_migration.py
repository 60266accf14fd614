"""Stored wording in Django template code becomes placeholder text, or is dropped when it cannot be."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from notify.models import MessageTemplate

migration = importlib.import_module("notify.migrations.0004_message_template_placeholders")


def test_template_code_that_maps_onto_placeholders_is_converted():
    text = ("{% load i18n %}Hei {{ client.first_name }}! {{ appointment.service.name }} {{ start|date:'j.n.' }} "
            'klo {{ start|time:"H:i" }}–{{end|time:"H:i"}} {{ manage_url }} {x}')
    assert migration.convert(text, "reminder") == (
        "Hei {client_first_name}! {service} {short_date} klo {start}–{end} {manage_link} {{x}}")
    assert migration.convert("Muistutus: {{ organization.name }}", "reminder") == "Muistutus: {business_name}"


@pytest.mark.parametrize("text", [
    "{% if changeable %}x{% endif %}",
    "{% blocktranslate %}Hi{% endblocktranslate %}",
    "{{ client.email }}",
    "{{ appointment.location.address }}",
    "{{ start|date:'j.n.'|upper }}",
])
def test_template_code_without_a_placeholder_for_it_is_not_converted(text):
    assert migration.convert(text, "reminder") is None


def test_a_placeholder_the_kind_does_not_offer_is_not_converted():
    assert migration.convert("{{ manage_url }}", "cancelled") is None


@pytest.mark.django_db
def test_the_migration_converts_rows_and_drops_those_it_cannot(world):
    MessageTemplate.objects.create(organization=world.org, kind="reminder", channel="email", language="fi",
                                   subject="Muistutus: {{ organization.name }}", body="Hei {{ client.first_name }}!")
    MessageTemplate.objects.create(organization=world.org, kind="reminder", channel="sms", language="fi",
                                   body="{% load i18n %}{% blocktranslate %}Hei{% endblocktranslate %}")
    migration.forwards(apps, None)
    kept = MessageTemplate.objects.get()
    assert kept.channel == "email"
    assert (kept.subject, kept.body) == ("Muistutus: {business_name}", "Hei {client_first_name}!")
