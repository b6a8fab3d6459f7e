from django.urls import path

from wijkregie.partners import api

app_name = "partners_api"

urlpatterns = [
    path("organisations/", api.OrganisationListApi.as_view(), name="organisation_list"),
    path(
        "organisations/<int:pk>/", api.OrganisationDetailApi.as_view(), name="organisation_detail"
    ),
    path("memberships/", api.MembershipListApi.as_view(), name="membership_list"),
    path("memberships/<int:pk>/", api.MembershipDetailApi.as_view(), name="membership_detail"),
]
