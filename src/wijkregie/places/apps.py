from django.apps import AppConfig


class PlacesConfig(AppConfig):
    name = "wijkregie.places"
    label = "places"
