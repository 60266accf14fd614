from django.urls import path

from web import help_views

app_name = "help"

urlpatterns = [
    path("", help_views.staff_index, name="index"),
    path("print/", help_views.staff_print, name="print"),
    path("<slug:topic>/", help_views.staff_topic, name="topic"),
]
