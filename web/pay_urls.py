"""The online payment's public pages: the gateway's notifications, the customer's return and cancellation
(issue 18). The stamp in the URL is the payment's random reference, not derived from anyone's data."""

from django.urls import path

from web import payment_public_views as views

app_name = "pay"

urlpatterns = [
    path("notify/<slug:gateway_name>/", views.notify, name="notify"),
    path("return/<str:stamp>/", views.back, name="return"),
    path("return/<str:stamp>/status/", views.status, name="status"),
    path("cancel/<str:stamp>/", views.cancel, name="cancel"),
]
