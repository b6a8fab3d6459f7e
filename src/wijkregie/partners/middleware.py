from django.utils.functional import SimpleLazyObject

from wijkregie.partners.selectors import viewer_for_request


class ViewerMiddleware:
    """Puts the lazily built Viewer on every request as `request.viewer`."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer = SimpleLazyObject(lambda: viewer_for_request(request))
        return self.get_response(request)
