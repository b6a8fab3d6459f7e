from django.urls import path

from wijkregie.outreach import public

app_name = "outreach_public"

urlpatterns = [
    path("<str:code>/", public.evening_form, name="evening_form"),
    path("<str:code>/qr.svg", public.evening_qr, name="evening_qr"),
]
