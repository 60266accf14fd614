from django.urls import include, path

from web import calendar_views, client_views, feed_views, import_views, service_views, views

app_name = "web"

org_patterns = [
    path("", views.dashboard, name="dashboard"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:membership_id>/", views.staff_member, name="staff_member"),
    path("staff/invitations/<int:invitation_id>/revoke/", views.invitation_revoke_view, name="invitation_revoke"),
    path("settings/", views.organization_settings, name="organization_settings"),
    path("audit/", views.audit_log, name="audit_log"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:token_id>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
    path("calendar/feed/", feed_views.calendar_feed, name="calendar_feed"),
    path("services/", service_views.services, name="services"),
    path("services/new/", service_views.service_edit, name="service_new"),
    path("services/<int:service_id>/", service_views.service_edit, name="service_edit"),
    path("services/staff/<int:membership_id>/bookable/", service_views.staff_bookable, name="staff_bookable"),
    path("services/hours/<int:resource_id>/", service_views.staff_hours, name="staff_hours"),
    path("clients/", client_views.client_list, name="client_list"),
    path("clients/fields/", client_views.custom_fields, name="custom_fields"),
    path("clients/new/", client_views.client_new, name="client_new"),
    path("clients/import/", import_views.client_import, name="client_import"),
    path("clients/import/confirm/", import_views.client_import_confirm, name="client_import_confirm"),
    path("clients/export.csv", import_views.client_export, name="client_export"),
    path("clients/<int:client_id>/", client_views.client_detail, name="client_detail"),
    path("clients/<int:client_id>/edit/", client_views.client_edit, name="client_edit"),
    path("clients/<int:client_id>/reveal/", client_views.client_reveal, name="client_reveal"),
    path("clients/<int:client_id>/marketing/", client_views.client_marketing, name="client_marketing"),
    path("clients/<int:client_id>/approval/", client_views.client_approval, name="client_approval"),
    path("clients/<int:client_id>/records/", client_views.client_record_new, name="client_record_new"),
    path("clients/<int:client_id>/visits/", client_views.client_visit_new, name="client_visit_new"),
    path("clients/<int:client_id>/merge/", client_views.client_merge_view, name="client_merge"),
    path("calendar/", calendar_views.calendar, name="calendar"),
    path("calendar/new/", calendar_views.appointment_new, name="calendar_new"),
    path("calendar/appointments/<int:appointment_id>/", calendar_views.appointment_detail,
         name="calendar_appointment"),
    path("calendar/appointments/<int:appointment_id>/move/", calendar_views.appointment_move_view,
         name="calendar_move"),
    path("calendar/appointments/<int:appointment_id>/state/", calendar_views.appointment_state,
         name="calendar_state"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("account/security/", views.account_security, name="account_security"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere_view, name="sign_out_everywhere"),
    path("healthz", views.healthz, name="healthz"),
    path("feeds/<str:token>.ics", feed_views.feed, name="feed"),
    path("o/<slug:org_slug>/", include(org_patterns)),
]
