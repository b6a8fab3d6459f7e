"""API plumbing shared by every app: errors as RFC 9457 problems, pagination, access."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _

from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from wijkregie.core.exceptions import ApplicationError, NotFound, PermissionDenied

PROBLEM_MEDIA_TYPE = "application/problem+json"
# The largest primary key (bigint): a larger id in a filter would overflow the database.
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """The id of an object in the input: 1 to MAX_ID, so a huge number is a 400."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class Pagination(PageNumberPagination):
    """Pages of `page_size` (1 to 200, default 50); a `page_size` out of range is a 400."""

    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        field = serializers.IntegerField(min_value=1, max_value=self.max_page_size)
        try:
            return field.run_validation(raw)
        except drf_exceptions.ValidationError as exc:
            raise drf_exceptions.ValidationError({self.page_size_query_param: exc.detail}) from exc

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


@extend_schema_field(
    {"anyOf": [{"type": "string", "format": "email"}, {"type": "string", "maxLength": 0}]}
)
class EmailOrBlankField(serializers.EmailField):
    """An e-mail address or "" (none known): `format: email` alone would refuse the ""."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_blank", True)
        super().__init__(**kwargs)


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error as RFC 9457 describes it (application/problem+json).",
    "properties": {
        "type": {"type": "string", "description": 'Always "about:blank": the status says it all.'},
        "title": {"type": "string", "description": "What went wrong, in the request's language."},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "additionalProperties": {},
            "description": "400 only: the messages per input field "
            "(non_field_errors: the input as a whole).",
        },
    },
    "required": ["type", "title", "status"],
}

# Descriptions in the schema, in English like the rest of it (help texts, docstrings).
PROBLEM_RESPONSES = {
    400: "Invalid input: `errors` has the messages per field.",
    401: "No valid organisation token or session.",
    403: "Not allowed: the roles of the token or person do not permit this.",
    404: "Not found, or not for the caller to see; or a page past the last one.",
}


def problem_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the problem answers each operation can give.

    401 and 403 everywhere; 400 where the operation reads a body or query parameters; 404
    where it has a path parameter or pages (`page` past the last one).
    """
    result.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    ref = {"$ref": "#/components/schemas/Problem"}
    for item in result.get("paths", {}).values():
        for operation in item.values():
            locations = {p.get("in") for p in operation.get("parameters", [])}
            names = {p.get("name") for p in operation.get("parameters", [])}
            statuses = [401, 403]
            if "requestBody" in operation or "query" in locations:
                statuses.append(400)
            if "path" in locations or "page" in names:
                statuses.append(404)
            for status in sorted(statuses):
                operation["responses"].setdefault(
                    str(status),
                    {
                        "description": PROBLEM_RESPONSES[status],
                        "content": {PROBLEM_MEDIA_TYPE: {"schema": ref}},
                    },
                )
    return result


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
        errors = (
            response.data
            if isinstance(response.data, dict)
            else {"non_field_errors": response.data}
        )
        body = _problem(
            response.status_code, _("The request contains invalid data."), errors=errors
        )
    else:
        detail = response.data.get("detail") if isinstance(response.data, dict) else response.data
        body = _problem(response.status_code, str(detail or ""), detail=str(detail or ""))
    response.data = body
    response.content_type = PROBLEM_MEDIA_TYPE
    return response


class ApiNotFound(APIView):
    """Any path under /api/ that no operation has: a 404 problem, not the 404 page."""

    authentication_classes: list = []
    permission_classes: list = []
    schema = None  # not an operation

    def initial(self, request, *args, **kwargs):
        raise drf_exceptions.NotFound(_("Not found."))
