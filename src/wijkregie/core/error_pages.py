"""Our own 403/404/500 pages also with DEBUG on (the demo of `make run` runs with it).

With DEBUG on Django answers a 404 and a server error with its technical pages: the
URL patterns, the settings, the traceback. No user of the demo should see those, so
unless WIJKREGIE_TECHNICAL_ERROR_PAGES is set (a developer debugging):

- `ProductErrorPagesMiddleware` answers a path no URL pattern matches with 404.html
  (views' own 404s come from `ApplicationErrorMiddleware`, which renders 404.html for
  `NotFound` and `Http404` itself);
- `ProductExceptionReporter` (DEFAULT_EXCEPTION_REPORTER) makes the "technical 500"
  our 500 page; the error is logged as before (`django.request`, with the traceback).

403 needs nothing: Django renders 403.html whatever DEBUG says.
"""

from django.conf import settings
from django.core.exceptions import MiddlewareNotUsed
from django.urls import get_urlconf, is_valid_path
from django.views.debug import ExceptionReporter
from django.views.defaults import page_not_found


def product_error_pages() -> bool:
    return settings.DEBUG and not settings.WIJKREGIE_TECHNICAL_ERROR_PAGES


class ProductErrorPagesMiddleware:
    """404.html for paths that match no URL pattern while DEBUG is on (first in the list,
    so that CommonMiddleware's redirect to the path with a slash comes first)."""

    def __init__(self, get_response):
        if not product_error_pages():
            raise MiddlewareNotUsed
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 404 and not is_valid_path(
            request.path_info, getattr(request, "urlconf", None) or get_urlconf()
        ):
            return page_not_found(request, exception=None)
        return response


class ProductExceptionReporter(ExceptionReporter):
    """The page of a server error while DEBUG is on: our 500 page, not the traceback."""

    def get_traceback_html(self):
        if self.request is None:
            return super().get_traceback_html()
        from wijkregie.core.views import server_error  # views import core's middleware

        return server_error(self.request).content.decode()

    def get_traceback_text(self):
        if self.request is None:
            return super().get_traceback_text()
        return "Er ging iets mis / Something went wrong.\n"
