from django.urls import include, path

from web import views

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
]

urlpatterns = [
    path("", views.home, name="home"),
    path("account/security/", views.account_security, name="account_security"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere_view, name="sign_out_everywhere"),
    path("healthz", views.healthz, name="healthz"),
    path("o/<slug:org_slug>/", include(org_patterns)),
]
