from django.urls import path

from wijkregie.cases import api

app_name = "cases_api"

urlpatterns = [
    path("", api.CaseListApi.as_view(), name="case_list"),
    path("<int:pk>/", api.CaseDetailApi.as_view(), name="case_detail"),
    path("<int:pk>/participants/", api.CaseParticipantsApi.as_view(), name="case_participants"),
    path("<int:pk>/regie/", api.CaseRegieApi.as_view(), name="case_regie"),
    path("<int:pk>/reports/", api.CaseReportsApi.as_view(), name="case_reports"),
    path("<int:pk>/timeline/", api.CaseTimelineApi.as_view(), name="case_timeline"),
    path("<int:pk>/agreements/", api.CaseAgreementsApi.as_view(), name="case_agreements"),
    path(
        "<int:pk>/agreements/<int:agreement_id>/answer/",
        api.CaseAgreementAnswerApi.as_view(),
        name="case_agreement_answer",
    ),
    path("<int:pk>/actions/", api.CaseActionsApi.as_view(), name="case_actions"),
    path(
        "<int:pk>/actions/<int:action_id>/",
        api.CaseActionDetailApi.as_view(),
        name="case_action_detail",
    ),
    path("<int:pk>/meetings/", api.CaseMeetingsApi.as_view(), name="case_meetings"),
    path(
        "<int:pk>/meetings/<int:meeting_id>/",
        api.CaseMeetingDetailApi.as_view(),
        name="case_meeting_detail",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_id>/attendance/",
        api.CaseMeetingAttendanceApi.as_view(),
        name="case_meeting_attendance",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_id>/decisions/",
        api.CaseMeetingDecisionsApi.as_view(),
        name="case_meeting_decisions",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_id>/minutes/send/",
        api.CaseMeetingMinutesSendApi.as_view(),
        name="case_meeting_minutes_send",
    ),
    path("<int:pk>/phase/", api.CasePhaseApi.as_view(), name="case_phase"),
    path("<int:pk>/phase/items/", api.CasePhaseItemsApi.as_view(), name="case_phase_items"),
    path("<int:pk>/fragments/", api.CaseFragmentsApi.as_view(), name="case_fragments"),
    path("<int:pk>/escalations/", api.CaseEscalationsApi.as_view(), name="case_escalations"),
    path(
        "<int:pk>/escalations/<int:escalation_id>/take-up/",
        api.CaseEscalationTakeUpApi.as_view(),
        name="case_escalation_take_up",
    ),
    path("escalations/", api.EscalationsWaitingApi.as_view(), name="escalations_waiting"),
    path(
        "escalations/<int:escalation_id>/",
        api.EscalationDetailApi.as_view(),
        name="escalation_detail",
    ),
    path(
        "escalations/<int:escalation_id>/answer/",
        api.EscalationAnswerApi.as_view(),
        name="escalation_answer",
    ),
    path("<int:pk>/mismatches/", api.CaseMismatchesApi.as_view(), name="case_mismatches"),
]
