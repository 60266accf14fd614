"""The fi, sv and pl catalogs are complete for every string the code and templates use."""

import pytest

from tilli.tests.catalogs import LANGUAGES, ROOT, extract, untranslated


@pytest.mark.parametrize("language", LANGUAGES)
def test_committed_catalogs_have_no_missing_or_fuzzy_translations(language):
    assert untranslated(ROOT / "locale" / language / "LC_MESSAGES" / "django.po") == []


def test_every_string_in_the_source_is_in_the_catalogs(tmp_path):
    copy = extract(tmp_path, LANGUAGES)
    for language in LANGUAGES:
        missing = untranslated(copy / language / "LC_MESSAGES" / "django.po")
        assert missing == [], f"{language}: translate these (make messages): {missing[:10]}"


def test_no_string_is_translated_at_import_time():
    """gettext() in a module or class body runs once, at import, in the default language, so the page shows
    it in English whatever the reader's language (the hours form's weekdays did): use gettext_lazy there."""
    import ast

    eager_calls = []
    for path in ROOT.rglob("*.py"):
        if {".venv", "migrations", "tests", "tests_e2e", "bench", "var"} & set(path.relative_to(ROOT).parts):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        eager = {alias.asname or alias.name for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
                 for alias in node.names if alias.name in ("gettext", "ngettext", "pgettext", "npgettext")}
        stack = list(ast.iter_child_nodes(tree))
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue  # runs when called, in the language active then
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in eager:
                eager_calls.append(f"{path.relative_to(ROOT)}:{node.lineno}")
            stack.extend(ast.iter_child_nodes(node))
    assert eager_calls == []


def test_every_model_has_a_translated_name():
    """The access log names the kind of object a row is about by its model's verbose_name; a model without one
    shows its class name in English ("Privacy notice version") on every language's page."""
    from django.apps import apps
    from django.conf import settings
    from django.utils.functional import Promise

    unnamed = [model._meta.label for model in apps.get_models()
               if model._meta.app_label in settings.TILLI_APPS
               and not all(isinstance(model._meta.original_attrs.get(name), Promise)
                           for name in ("verbose_name", "verbose_name_plural"))]
    assert unnamed == []


def test_a_client_arriving_and_a_request_arriving_are_told_apart():
    """"Arrived" is both an appointment's state (the client is here) and when a request came in; as one msgid,
    Swedish and Polish calendars said a client "Inkom" / "Wpłynęło" (was received, like a letter). Finnish
    uses one word, "Saapunut", for both."""
    from django.utils import translation

    from booking.models import AppointmentState

    for language in ("sv", "pl"):
        with translation.override(language):
            assert str(AppointmentState.ARRIVED.label) != translation.gettext("Arrived"), language
