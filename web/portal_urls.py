from django.urls import path

from web import portal_views

app_name = "portal"

urlpatterns = [
    path("<slug:portal_slug>/", portal_views.start, name="start"),
    path("<slug:portal_slug>/link/<str:token>/", portal_views.link, name="link"),
    path("<slug:portal_slug>/me/", portal_views.home, name="home"),
    path("<slug:portal_slug>/me/contact/", portal_views.contact, name="contact"),
    path("<slug:portal_slug>/me/marketing/", portal_views.marketing, name="marketing"),
    path("<slug:portal_slug>/me/marketing/object/", portal_views.marketing_objection, name="marketing_objection"),
    path("<slug:portal_slug>/me/approval/", portal_views.special_approval, name="special_approval"),
    path("<slug:portal_slug>/me/data/", portal_views.data, name="data"),
    path("<slug:portal_slug>/me/data/<int:export_id>/progress/", portal_views.export_status, name="export_status"),
    path("<slug:portal_slug>/me/data/<int:export_id>/download/", portal_views.export_download,
         name="export_download"),
    path("<slug:portal_slug>/me/messages/", portal_views.messages_page, name="messages"),
    path("<slug:portal_slug>/me/requests/", portal_views.requests, name="requests"),
    path("<slug:portal_slug>/me/delete/", portal_views.delete_account, name="delete"),
    path("<slug:portal_slug>/me/password/", portal_views.password, name="password"),
    path("<slug:portal_slug>/sign-out/", portal_views.sign_out, name="sign_out"),
    path("<slug:portal_slug>/goodbye/", portal_views.goodbye, name="goodbye"),
]
