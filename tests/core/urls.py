"""The project's URLs plus views that exist only for tests (errors, a plain API view)."""

from django.urls import include, path

from rest_framework.response import Response
from rest_framework.views import APIView

from wijkregie import urls as project_urls
from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied


def boom(request):
    raise RuntimeError("the database said no")


def raises_not_found(request):
    raise NotFound("no such thing")


def raises_permission_denied(request):
    raise PermissionDenied("not for you")


def raises_application_error(request):
    raise ApplicationError("This building has no entrances.")


class Ping(APIView):
    """A plain API view with the project's default authentication and permission."""

    def get(self, request):
        return Response({"user": request.user.get_username()})


urlpatterns = [
    path("test/boom/", boom),
    path("test/not-found/", raises_not_found),
    path("test/permission-denied/", raises_permission_denied),
    path("test/application-error/", raises_application_error),
    path("api/v1/test/ping/", Ping.as_view(), name="test-ping"),
    path("", include("wijkregie.urls")),
]

handler400 = project_urls.handler400
handler500 = project_urls.handler500
