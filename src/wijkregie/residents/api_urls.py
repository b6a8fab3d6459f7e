from django.urls import path

from wijkregie.residents import api

app_name = "residents_api"

urlpatterns = [
    path("", api.ResidentListApi.as_view(), name="resident_list"),
    path("<int:pk>/", api.ResidentDetailApi.as_view(), name="resident_detail"),
    path(
        "<int:pk>/contact-moments/",
        api.ResidentContactMomentListApi.as_view(),
        name="contact_moment_list",
    ),
    path("imports/", api.ResidentImportStartApi.as_view(), name="import_start"),
    path("imports/<int:pk>/", api.ResidentImportDetailApi.as_view(), name="import_detail"),
]
