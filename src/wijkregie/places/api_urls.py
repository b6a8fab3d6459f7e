from django.urls import path

from wijkregie.places import api

app_name = "places_api"

urlpatterns = [
    path("buildings/", api.BuildingListApi.as_view(), name="building_list"),
    path("buildings/<int:pk>/", api.BuildingDetailApi.as_view(), name="building_detail"),
    path("buildings/<int:building_id>/units/", api.UnitListApi.as_view(), name="unit_list"),
    path(
        "buildings/<int:building_id>/units/<int:pk>/",
        api.UnitDetailApi.as_view(),
        name="unit_detail",
    ),
    path(
        "buildings/<int:building_id>/common-areas/",
        api.CommonAreaListApi.as_view(),
        name="common_area_list",
    ),
    path(
        "buildings/<int:building_id>/units/import/",
        api.UnitImportStartApi.as_view(),
        name="units_import",
    ),
    path("imports/<int:pk>/", api.UnitImportJobDetailApi.as_view(), name="import_job"),
]
