from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "wijkregie.partners"
    label = "partners"
