from django.urls import path

from wijkregie.cases import views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_open, name="open"),
    path("my-work/", views.my_work, name="my_work"),
    path("by-health/", views.by_health, name="by_health"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/timeline/", views.case_timeline, name="timeline"),
    path("<int:pk>/participants/", views.participant_add, name="participant_add"),
    path("<int:pk>/people/", views.person_suggest, name="person_suggest"),
    path(
        "<int:pk>/participants/<int:participant_id>/end/",
        views.participant_end,
        name="participant_end",
    ),
    path("<int:pk>/regie/", views.regie_move, name="regie"),
    path("<int:pk>/agreements/", views.agreement_record, name="agreement_record"),
    path(
        "<int:pk>/agreements/<int:agreement_id>/answer/",
        views.agreement_answer,
        name="agreement_answer",
    ),
    path("<int:pk>/actions/", views.action_create, name="action_create"),
    path("<int:pk>/actions/<int:action_id>/", views.action_edit, name="action_edit"),
    path("<int:pk>/meetings/", views.meeting_create, name="meeting_create"),
    path("<int:pk>/meetings/<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path(
        "<int:pk>/meetings/<int:meeting_id>/agenda/",
        views.meeting_agenda_add,
        name="meeting_agenda_add",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_id>/agenda/<int:item_id>/remove/",
        views.meeting_agenda_remove,
        name="meeting_agenda_remove",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_id>/attendance/",
        views.meeting_attendance,
        name="meeting_attendance",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_id>/minutes/",
        views.meeting_minutes,
        name="meeting_minutes",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_id>/decisions/",
        views.decision_create,
        name="decision_create",
    ),
    path(
        "<int:pk>/meetings/<int:meeting_id>/minutes/send/",
        views.meeting_minutes_send,
        name="meeting_minutes_send",
    ),
    path("<int:pk>/meetings/<int:meeting_id>/minutes.pdf", views.meeting_pdf, name="meeting_pdf"),
    path("<int:pk>/fragments/", views.fragment_add, name="fragment_add"),
    path("<int:pk>/fragments/<int:fragment_id>/file/", views.fragment_file, name="fragment_file"),
    path("<int:pk>/escalations/", views.escalation_raise, name="escalation_raise"),
    path(
        "<int:pk>/escalations/<int:escalation_id>/take-up/",
        views.escalation_close,
        name="escalation_close",
    ),
    path("escalations/<int:escalation_id>/", views.escalation_detail, name="escalation"),
    path("<int:pk>/phase/", views.phase_move, name="phase_move"),
    path("<int:pk>/phase/items/<slug:item>/", views.phase_item_tick, name="phase_item_tick"),
    path("link-reports/", views.reports_link, name="reports_link"),
    path("link-report/<int:report_id>/", views.report_link, name="report_link"),
    path("building/<int:building_id>/", views.building_cases, name="building_cases"),
    path(
        "organisation/<int:organisation_id>/",
        views.organisation_cases,
        name="organisation_cases",
    ),
]
