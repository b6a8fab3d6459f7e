from django.urls import path  # noqa: F401

app_name = "places_api"

urlpatterns: list = []
