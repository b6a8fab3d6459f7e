from django.urls import path

from wijkregie.outreach import api

app_name = "outreach_api"

urlpatterns = [
    path("rounds/", api.RoundListApi.as_view(), name="round_list"),
    path("rounds/<int:pk>/", api.RoundDetailApi.as_view(), name="round_detail"),
    path("rounds/<int:pk>/follow-up/", api.RoundFollowUpApi.as_view(), name="round_follow_up"),
    path("rounds/<int:pk>/visits/", api.RoundVisitsApi.as_view(), name="round_visits"),
    path("evenings/", api.EveningListApi.as_view(), name="evening_list"),
    path("evenings/<int:pk>/", api.EveningDetailApi.as_view(), name="evening_detail"),
    path(
        "evenings/<int:pk>/invitations/",
        api.EveningInvitationsApi.as_view(),
        name="evening_invitations",
    ),
    path(
        "evenings/<int:pk>/inputs/<int:input_id>/report/",
        api.EveningInputReportApi.as_view(),
        name="evening_input_report",
    ),
    path(
        "evenings/<int:pk>/inputs/<int:input_id>/action/",
        api.EveningInputActionApi.as_view(),
        name="evening_input_action",
    ),
]
