"""DRF permission classes shared by every API."""

from django.utils.translation import gettext_lazy as _

from rest_framework import permissions

from wijkregie.core.middleware import user_has_second_factor


class IsVerifiedProfessional(permissions.BasePermission):
    """An organisation token, or a session of a professional who enrolled a second factor."""

    message = _(
        "Log in with an organisation token, or with a session that passed the second factor."
    )

    def has_permission(self, request, view):
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.auth is not None:  # an organisation token
            return True
        return user_has_second_factor(user)
