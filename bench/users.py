"""The generated people the benchmarks act as: a membership with a default role, TOTP on."""

from functools import cache


@cache
def user_with_role(organisation_id: int, role_slug: str):
    """The first member of the organisation holding the role, with a TOTP authenticator
    (the second-factor middleware lets nobody through without one)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    from wijkregie.partners.models import Membership

    membership = (
        Membership.objects.filter(
            organisation_id=organisation_id, roles__slug=role_slug, is_active=True
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )
    if membership is None:
        raise LookupError(f"no member with role {role_slug} in organisation {organisation_id}")
    user = membership.user
    if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
        TOTP.activate(user, generate_totp_secret())
    return user


def viewer_with_role(organisation_id: int, role_slug: str):
    from wijkregie.partners.selectors import viewer_for

    return viewer_for(user_with_role(organisation_id, role_slug))
