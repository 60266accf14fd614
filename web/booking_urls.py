from django.urls import path

from web import booking_page_public, booking_views, contact_views, document_views, help_views
from web.booking_page_public import embeddable

app_name = "public_booking"

# The steps of a booking may be shown inside the owner's own website (`embeddable`); the manage pages, reached
# by a secret link from an email, never are.
urlpatterns = [
    path("<slug:booking_slug>/brand.css", booking_page_public.brand_css, name="brand_css"),
    path("<slug:booking_slug>/media/<path:name>", booking_page_public.media, name="media"),
    path("<slug:booking_slug>/", embeddable(booking_views.services), name="services"),
    path("<slug:booking_slug>/staff/", embeddable(booking_views.staff), name="staff"),
    path("<slug:booking_slug>/times/", embeddable(booking_views.times), name="times"),
    path("<slug:booking_slug>/details/", embeddable(booking_views.details), name="details"),
    path("<slug:booking_slug>/contact/", embeddable(contact_views.contact), name="contact"),
    path("<slug:booking_slug>/contact/sent/", embeddable(contact_views.contact_sent), name="contact_sent"),
    path("<slug:booking_slug>/booked/<str:token>/", embeddable(booking_views.booked), name="booked"),
    path("<slug:booking_slug>/manage/<str:token>/", booking_views.manage, name="manage"),
    path("<slug:booking_slug>/manage/<str:token>/cancel/", booking_views.cancel, name="cancel"),
    path("<slug:booking_slug>/manage/<str:token>/move/", booking_views.move, name="move"),
    path("<slug:booking_slug>/help/", help_views.client_index, name="help"),
    path("<slug:booking_slug>/help/print/", help_views.client_print, name="help_print"),
    path("<slug:booking_slug>/help/<slug:client_topic>/", help_views.client_topic, name="help_topic"),
    path("<slug:booking_slug>/privacy/", embeddable(document_views.public_notice), name="privacy_notice"),
    path("<slug:booking_slug>/privacy/v<int:version>/", embeddable(document_views.public_notice),
         name="privacy_notice_version"),
    path("<slug:booking_slug>/privacy/v<int:version>/pdf/", document_views.public_notice_pdf,
         name="privacy_notice_pdf"),
]
