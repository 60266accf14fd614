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
