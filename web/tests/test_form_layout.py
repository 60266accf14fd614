"""The shared form template (web/_form.html) names a group of checkboxes before its choices, as a legend, and
says when there is nothing to choose; a single checkbox keeps its label beside the box. The service form's
staff and rooms once showed their names after the boxes, on the same line as the last choice."""

from __future__ import annotations

from django import forms
from django.template.loader import render_to_string
from django.utils import translation


class _Form(forms.Form):
    staff = forms.MultipleChoiceField(label="Staff", choices=[("1", "Seppo"), ("2", "Anna")],
                                      widget=forms.CheckboxSelectMultiple)
    rooms = forms.MultipleChoiceField(label="Rooms", choices=[], required=False, widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label="Active", required=False)


def _html() -> str:
    with translation.override("fi"):
        return render_to_string("web/_form.html", {"form": _Form()})


def test_a_checkbox_group_is_a_fieldset_whose_legend_comes_before_its_choices():
    html = _html()
    group = html[html.index('<fieldset class="field checkbox-group"'):]
    group = group[:group.index("</fieldset>")]
    assert group.index("<legend>Staff") < group.index("Seppo") < group.index("Anna")
    assert 'class="field checkbox"' not in group


def test_an_empty_group_says_so_in_the_readers_language():
    html = _html()
    rooms = html[html.index("<legend>Rooms"):]
    assert "Valittavaa ei ole vielä." in rooms[:rooms.index("</fieldset>")]


def test_a_single_checkbox_keeps_its_label_beside_the_box():
    html = _html()
    single = html[html.index('<div class="field checkbox">'):]
    assert single.index('type="checkbox"') < single.index('<label for="id_active">Active</label>')
