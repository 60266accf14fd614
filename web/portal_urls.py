from django.urls import path

from web import portal_views

app_name = "portal"

urlpatterns = [
    path("<slug:portal_slug>/", portal_views.start, name="start"),
    path("<slug:portal_slug>/link/<str:token>/", portal_views.link, name="link"),
    path("<slug:portal_slug>/me/", portal_views.home, name="home"),
    path("<slug:portal_slug>/me/contact/", portal_views.contact, name="contact"),
    path("<slug:portal_slug>/me/marketing/", portal_views.marketing, name="marketing"),
    path("<slug:portal_slug>/me/password/", portal_views.password, name="password"),
    path("<slug:portal_slug>/sign-out/", portal_views.sign_out, name="sign_out"),
]
