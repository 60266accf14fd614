from django.urls import path

from console import views

app_name = "console"

urlpatterns = [
    path("", views.organizations, name="organizations"),
    path("organizations/<int:organization_id>/", views.organization, name="organization"),
    path("organizations/<int:organization_id>/suspend/", views.status_change, {"action": "suspend"},
         name="suspend"),
    path("organizations/<int:organization_id>/reactivate/", views.status_change, {"action": "reactivate"},
         name="reactivate"),
    path("organizations/<int:organization_id>/end-contract/", views.end_contract, name="end_contract"),
    path("organizations/<int:organization_id>/support/", views.support_grant, name="support_grant"),
    path("organizations/<int:organization_id>/support/<int:access_id>/end/", views.support_end,
         name="support_end"),
    path("log/", views.operator_log, name="log"),
    path("subprocessors/", views.subprocessors, name="subprocessors"),
    path("subprocessors/<int:subprocessor_id>/", views.subprocessor, name="subprocessor"),
    path("subprocessors/<int:subprocessor_id>/remove/", views.subprocessor_remove_view, name="subprocessor_remove"),
]

