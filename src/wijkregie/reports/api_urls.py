from django.urls import path

from wijkregie.reports import api

app_name = "reports_api"

urlpatterns = [
    path("", api.ReportListApi.as_view(), name="report_list"),
    path("categories/", api.CategoryListApi.as_view(), name="category_list"),
    path("standard-texts/", api.StandardTextListApi.as_view(), name="standard_text_list"),
    path(
        "standard-texts/<int:pk>/", api.StandardTextDetailApi.as_view(), name="standard_text_detail"
    ),
    path("<int:pk>/", api.ReportDetailApi.as_view(), name="report_detail"),
    path("<int:pk>/status/", api.ReportStatusChangeApi.as_view(), name="report_status"),
    path("<int:pk>/forward/", api.ReportForwardApi.as_view(), name="report_forward"),
    path("<int:pk>/category/", api.ReportCategoryChangeApi.as_view(), name="report_category"),
    path("<int:pk>/assign/", api.ReportAssignApi.as_view(), name="report_assign"),
    path("<int:pk>/duplicate/", api.ReportDuplicateApi.as_view(), name="report_duplicate"),
    path("<int:pk>/timeline/", api.ReportTimelineApi.as_view(), name="report_timeline"),
    path("<int:pk>/messages/", api.ReportMessageListApi.as_view(), name="report_messages"),
    path("<int:pk>/contact-link/", api.ReportContactLinkApi.as_view(), name="report_contact_link"),
    path("<int:pk>/reporter/", api.ReporterIdentityApi.as_view(), name="reporter_identity"),
]
