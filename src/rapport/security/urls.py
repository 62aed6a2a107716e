"""URLs of security: the API of the security entities (under /api/v1/) and the browser pages.

``api_urlpatterns`` go into the API's patterns before the generated entity patterns;
``ui_urlpatterns`` before the engine's browser patterns (they replace ``/login/``).
"""

from django.urls import path

from rapport.core.entities import all_entities
from rapport.security import api_organisation as api
from rapport.security import views


def _shares_patterns() -> list:
    return [
        path(f"{spec.set_name}/<uuid:pk>/shares/", api.build_shares_view(spec.set_name).as_view(),
             name=f"api-{spec.set_name}-shares")
        for spec in all_entities() if spec.is_owned and spec.read_filter is None
    ]


def _user_actions() -> list:
    return [
        path("users/<uuid:pk>/disable/", api.UserDisableView.as_view(), name="api-users-disable"),
        path("users/<uuid:pk>/enable/", api.UserEnableView.as_view(), name="api-users-enable"),
        path("users/<uuid:pk>/unlock/", api.UserUnlockView.as_view(), name="api-users-unlock"),
        path("users/<uuid:pk>/reset-password/", api.UserResetPasswordView.as_view(), name="api-users-reset-password"),
    ]


api_urlpatterns = [
    path("users/", api.UserListView.as_view(), name="api-users-list"),
    path("users/<uuid:pk>/", api.UserDetailView.as_view(), name="api-users-detail"),
    *_user_actions(),
    path("business-units/", api.BusinessUnitListView.as_view(), name="api-business-units-list"),
    path("business-units/<uuid:pk>/", api.BusinessUnitDetailView.as_view(), name="api-business-units-detail"),
    path("business-units/<uuid:pk>/disable/", api.BusinessUnitDisableView.as_view(), name="api-business-units-disable"),
    path("business-units/<uuid:pk>/enable/", api.BusinessUnitEnableView.as_view(), name="api-business-units-enable"),
    path("teams/", api.TeamListView.as_view(), name="api-teams-list"),
    path("teams/<uuid:pk>/", api.TeamDetailView.as_view(), name="api-teams-detail"),
    path("roles/", api.RoleListView.as_view(), name="api-roles-list"),
    path("roles/<uuid:pk>/", api.RoleDetailView.as_view(), name="api-roles-detail"),
    path("field-security-profiles/", api.FieldSecurityProfileListView.as_view(), name="api-field-security-profiles-list"),
    path("field-security-profiles/<uuid:pk>/", api.FieldSecurityProfileDetailView.as_view(),
         name="api-field-security-profiles-detail"),
    path("sign-in-events/", api.SignInEventListView.as_view(), name="api-sign-in-events"),
    *_shares_patterns(),
]

ui_urlpatterns = [
    path("login/", views.HardenedSignInView.as_view(), name="login"),
    path("login/two-factor/", views.two_factor_sign_in, name="login-two-factor"),
    path("settings/two-factor/", views.two_factor_setup, name="two-factor-setup"),
    path("settings/security/", views.security_home, name="security-home"),
    path("settings/users/", views.user_list, name="security-users"),
    path("settings/users/new/", views.user_new, name="security-user-new"),
    path("settings/users/check-username/", views.username_check, name="security-username-check"),
    path("settings/users/<uuid:pk>/", views.user_edit, name="security-user"),
    path("settings/business-units/", views.business_units, name="security-business-units"),
    path("settings/business-units/<uuid:pk>/", views.business_unit_edit, name="security-business-unit"),
    path("settings/teams/", views.team_list, name="security-teams"),
    path("settings/teams/new/", views.team_edit, name="security-team-new"),
    path("settings/teams/<uuid:pk>/", views.team_edit, name="security-team"),
    path("settings/roles/", views.role_list, name="security-roles"),
    path("settings/roles/<uuid:pk>/", views.role_edit, name="security-role"),
    path("settings/field-security/", views.field_security, name="security-field-security"),
    path("settings/field-security/<uuid:pk>/", views.field_security, name="security-field-security-profile"),
    path("settings/sign-ins/", views.sign_in_events, name="security-sign-ins"),
]
