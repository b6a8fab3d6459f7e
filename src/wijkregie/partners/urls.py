from django.urls import path

from wijkregie.partners import views

app_name = "partners"

urlpatterns = [
    path("directory/", views.directory, name="directory"),
    path("organisations/", views.organisation_list, name="organisation_list"),
    path("organisations/new/", views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", views.organisation_detail, name="organisation_detail"),
    path("organisations/<int:pk>/edit/", views.organisation_edit, name="organisation_edit"),
    path(
        "organisations/<int:pk>/members/new/",
        views.membership_create,
        name="membership_create",
    ),
    path("organisations/<int:pk>/tokens/", views.token_list, name="token_list"),
    path("organisations/<int:pk>/tokens/new/", views.token_create, name="token_create"),
    path("memberships/<int:pk>/edit/", views.membership_edit, name="membership_edit"),
    path("memberships/<int:pk>/end/", views.membership_deactivate, name="membership_deactivate"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("roles/", views.role_list, name="role_list"),
    path("roles/new/", views.role_create, name="role_create"),
    path("roles/<int:pk>/edit/", views.role_edit, name="role_edit"),
    path("agreements/", views.agreement_list, name="agreement_list"),
    path("agreements/new/", views.agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/", views.agreement_detail, name="agreement_detail"),
    path("agreements/<int:pk>/edit/", views.agreement_edit, name="agreement_edit"),
]
