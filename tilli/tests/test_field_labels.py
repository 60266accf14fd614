"""Field names from stored rows (audit, erasure plans, exports) always read as words, whatever they name."""

from __future__ import annotations

from django.utils import translation

from clients.models import Client
from privacy.models import Breach, BreachSubject
from tilli.lib.fields import field_label


def test_a_concrete_field_reads_as_its_translated_name():
    with translation.override("en"):
        assert field_label(Client, "first_name") == str(Client._meta.get_field("first_name").verbose_name)


def test_a_reverse_relation_reads_as_the_related_models_name():
    with translation.override("en"):
        assert field_label(Breach, "subjects") == str(BreachSubject._meta.verbose_name_plural)


def test_a_path_through_a_relation_reads_as_its_last_field():
    with translation.override("en"):
        assert field_label(Breach, "subjects.notified_at") == str(
            BreachSubject._meta.get_field("notified_at").verbose_name)


def test_a_removed_or_unknown_name_reads_as_the_name_itself():
    assert field_label(Client, "shoe_size") == "shoe size"
    assert field_label(Breach, "subjects.no_such_thing") == "no such thing"
    assert field_label(None, "favourite_colour") == "favourite colour"
