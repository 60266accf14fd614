"""The panel's pages for the till, products and sales reports (added to the organization's urls)."""

from django.urls import path

from web import till_views

patterns = [
    path("till/", till_views.tills, name="tills"),
    path("till/<int:location_id>/", till_views.till_page, name="till"),
    path("till/<int:location_id>/open/", till_views.till_open_view, name="till_open"),
    path("till/<int:location_id>/cash/", till_views.till_cash_view, name="till_cash"),
    path("till/<int:location_id>/close/", till_views.till_close_view, name="till_close"),
    path("till/reports/<int:session_id>/", till_views.z_report, name="z_report"),
    path("till/reports/<int:session_id>/pdf/", till_views.z_report_pdf, name="z_report_pdf"),
]
