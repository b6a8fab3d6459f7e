from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "wijkregie.reports"
    label = "reports"
