"""Static files for production: hashed names and pre-compressed copies (WhiteNoise), without source maps.

Django's manifest storage rewrites `sourceMappingURL` comments and fails `collectstatic` when the map is
missing. Vendored, minified libraries name maps we do not ship (nobody but a browser's developer tools
asks for them), so only the references that pages really load are rewritten: `url()` and `@import` in CSS.
"""

from django.contrib.staticfiles.storage import ManifestStaticFilesStorage
from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticStorage(CompressedManifestStaticFilesStorage):
    patterns = tuple((glob, tuple(p for p in rules if "sourceMappingURL" not in str(p)))
                     for glob, rules in ManifestStaticFilesStorage.patterns if glob == "*.css")
