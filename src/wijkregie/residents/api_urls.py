from django.urls import path

from wijkregie.residents import api, privacy_api

app_name = "residents_api"

urlpatterns = [
    path("", api.ResidentListApi.as_view(), name="resident_list"),
    path("<int:pk>/", api.ResidentDetailApi.as_view(), name="resident_detail"),
    path(
        "<int:pk>/contact-moments/",
        api.ResidentContactMomentListApi.as_view(),
        name="contact_moment_list",
    ),
    path(
        "<int:pk>/data-subject-export/",
        privacy_api.ResidentDataSubjectExportApi.as_view(),
        name="data_subject_export",
    ),
    path(
        "<int:pk>/data-subject-erasure/",
        privacy_api.ResidentDataSubjectErasureApi.as_view(),
        name="data_subject_erasure",
    ),
    path("<int:pk>/consents/", api.ResidentConsentApi.as_view(), name="resident_consents"),
    path("imports/", api.ResidentImportStartApi.as_view(), name="import_start"),
    path("imports/<int:pk>/", api.ResidentImportDetailApi.as_view(), name="import_detail"),
]
