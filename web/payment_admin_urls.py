"""The panel's online payment pages (web/payment_admin_views.py), under /o/<org>/online-payments/."""

from django.urls import path

from web import payment_admin_views as views

urlpatterns = [
    path("", views.payments, name="online_payments"),
    path("<int:payment_id>/", views.payment_detail, name="online_payment"),
    path("<int:payment_id>/refund/", views.payment_refund_view, name="online_payment_refund"),
    path("<int:payment_id>/keep/", views.payment_keep_view, name="online_payment_keep"),
    path("<int:payment_id>/fee/", views.payment_fee_view, name="online_payment_fee"),
    path("settings/", views.payment_settings, name="online_payment_settings"),
    path("settings/services/<int:service_id>/", views.service_policy, name="online_payment_service"),
]
