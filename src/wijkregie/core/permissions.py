"""DRF permission classes shared by every API."""

from rest_framework import permissions

from wijkregie.core.middleware import user_has_second_factor


class IsVerifiedProfessional(permissions.BasePermission):
    """An organisation token, or a session of a professional who enrolled a second factor."""

    message = "Authentication with an organisation token or a verified session is required."

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.auth is not None:  # an organisation token
            return True
        return user_has_second_factor(user)
