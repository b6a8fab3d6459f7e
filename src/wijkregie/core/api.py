"""API plumbing shared by every app: errors as RFC 9457 problems, pagination, access."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from rest_framework import exceptions as drf_exceptions
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import exception_handler as drf_exception_handler

from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied


class Pagination(PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = 200


def _problem(status: int, title: str, detail=None, errors=None) -> dict:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return body


def exception_handler(exc, context):
    """Answer every error with one shape: application/problem+json (RFC 9457)."""
    if isinstance(exc, NotFound | Http404):
        exc = drf_exceptions.NotFound(_("Not found."))
    elif isinstance(exc, PermissionDenied):
        exc = drf_exceptions.PermissionDenied(exc.message)
    elif isinstance(exc, ApplicationError):
        exc = drf_exceptions.APIException(exc.message)
        exc.status_code = 400
    elif isinstance(exc, DjangoValidationError):
        detail = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = drf_exceptions.ValidationError(detail)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    # Refusals (401, 403, 404, 429) are logged once, by core.middleware.RequestLogMiddleware.
    if isinstance(exc, drf_exceptions.ValidationError):
        body = _problem(
            response.status_code, _("The request contains invalid data."), errors=response.data
        )
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
        body = _problem(response.status_code, str(detail or ""), detail=str(detail or ""))
    response.data = body
    response.content_type = "application/problem+json"
    return response
