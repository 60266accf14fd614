from django.urls import path

from web import booking_views, contact_views, document_views, help_views

app_name = "public_booking"

urlpatterns = [
    path("<slug:booking_slug>/", booking_views.services, name="services"),
    path("<slug:booking_slug>/staff/", booking_views.staff, name="staff"),
    path("<slug:booking_slug>/times/", booking_views.times, name="times"),
    path("<slug:booking_slug>/details/", booking_views.details, name="details"),
    path("<slug:booking_slug>/contact/", contact_views.contact, name="contact"),
    path("<slug:booking_slug>/contact/sent/", contact_views.contact_sent, name="contact_sent"),
    path("<slug:booking_slug>/booked/<str:token>/", booking_views.booked, name="booked"),
    path("<slug:booking_slug>/manage/<str:token>/", booking_views.manage, name="manage"),
    path("<slug:booking_slug>/manage/<str:token>/cancel/", booking_views.cancel, name="cancel"),
    path("<slug:booking_slug>/manage/<str:token>/move/", booking_views.move, name="move"),
    path("<slug:booking_slug>/help/", help_views.client_index, name="help"),
    path("<slug:booking_slug>/help/print/", help_views.client_print, name="help_print"),
    path("<slug:booking_slug>/help/<slug:client_topic>/", help_views.client_topic, name="help_topic"),
    path("<slug:booking_slug>/privacy/", document_views.public_notice, name="privacy_notice"),
    path("<slug:booking_slug>/privacy/v<int:version>/", document_views.public_notice, name="privacy_notice_version"),
    path("<slug:booking_slug>/privacy/v<int:version>/pdf/", document_views.public_notice_pdf,
         name="privacy_notice_pdf"),
]
