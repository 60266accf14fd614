from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from api.api import api
from console.views import archive as contract_archive
from web.unsubscribe_views import unsubscribe_view

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("accounts/", include("accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("operator/", include("console.urls")),
    # An ended contract's data, for its owner (not an operator page): a single-use link from the owner's email.
    path("contract-data/<str:token>/", contract_archive, name="contract_archive"),
    path("api/v1/", api.urls),
    path("p/", include("web.portal_urls")),
    path("b/", include("web.booking_urls")),
    path("pay/", include("web.pay_urls")),
    path("help/", include("web.help_urls")),
    path("u/<str:token>/", unsubscribe_view, name="unsubscribe"),
    path("", include("ops.urls")),
    path("", include("web.urls")),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
