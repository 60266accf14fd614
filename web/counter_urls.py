"""The panel's pages for the till, products and sales reports (added to the organization's urls)."""

from django.urls import path

from web import product_views, report_views, till_views

patterns = [
    path("till/", till_views.tills, name="tills"),
    path("till/<int:location_id>/", till_views.till_page, name="till"),
    path("till/<int:location_id>/open/", till_views.till_open_view, name="till_open"),
    path("till/<int:location_id>/cash/", till_views.till_cash_view, name="till_cash"),
    path("till/<int:location_id>/close/", till_views.till_close_view, name="till_close"),
    path("till/reports/<int:session_id>/", till_views.z_report, name="z_report"),
    path("till/reports/<int:session_id>/pdf/", till_views.z_report_pdf, name="z_report_pdf"),
    path("products/", product_views.products, name="products"),
    path("products/new/", product_views.product_edit, name="product_new"),
    path("products/<int:product_id>/", product_views.product_edit, name="product_edit"),
    path("products/<int:product_id>/stock/", product_views.product_stock, name="product_stock"),
    path("products/commission/", product_views.commissions, name="commissions"),
    path("reports/", report_views.sales_reports, name="sales_reports"),
    path("cards/<int:voucher_id>/card.pdf", report_views.voucher_card, name="voucher_card"),
    path("reports/<str:kind>.csv", report_views.report_csv, name="report_csv"),
]
