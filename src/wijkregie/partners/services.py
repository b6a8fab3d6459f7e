"""Every write to organisations, people, memberships, roles, agreements and API tokens.

Each service is keyword-only with the acting `Viewer` first, runs in one transaction, checks
`partners.manage_partners` (unless the actor is a superuser, e.g. `system_viewer()`), calls
`full_clean()` and raises `ValidationError` (field errors) or `ApplicationError` (a refused
request) before anything is written.

`partners.manage_partners` is a platform-wide permission: who holds it in any organisation
manages all organisations, roles and agreements. An organisation API token is narrower: it
acts for its own organisation only, so with it a system may change that organisation and its
memberships and tokens, and nothing else.

Memberships and people are personal data: their changes are written to the audit trail
(BRIEF 27) inside the same transaction.
"""

from collections.abc import Iterable
from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkregie.core.access import Viewer
from wijkregie.core.audit import AuditContext, DataOwner, audit_record
from wijkregie.core.changes import UNCHANGED, apply_changes
from wijkregie.core.exceptions import ApplicationError, PermissionDenied
from wijkregie.core.logging import log_event
from wijkregie.partners.models import (
    ApiToken,
    DataCategory,
    DataSharingAgreement,
    MandateLevel,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)
from wijkregie.partners.selectors import ASSIGNABLE_PERMISSION_APPS

MANAGE_PARTNERS = "partners.manage_partners"
MEMBERSHIP_AUDIT_TYPE = "partners.membership"
USER_AUDIT_TYPE = "auth.user"


# --- helpers -----------------------------------------------------------------------------


def _require_manager(
    actor: Viewer, *, organisation_id: int | None = None, scoped: bool = True
) -> None:
    """Refuse unless the actor may manage partners (for this organisation, if a token)."""
    if actor.is_superuser:
        return
    if not actor.has_perm(MANAGE_PARTNERS):
        raise PermissionDenied(_("You are not allowed to manage partners."))
    scope = actor.extra.get("organisation_scope")
    if scoped and scope is not None and scope != organisation_id:
        raise PermissionDenied(_("This API token acts for its own organisation only."))


def _save(instance, changed: list[str]) -> None:
    instance.full_clean()
    instance.save(update_fields=[*changed, "updated_at"])


def _resolve_roles(roles: Iterable[Role | str], organisation: Organisation) -> list[Role]:
    """Roles given as instances or slugs; each must be meant for the organisation's kind."""
    roles = list(roles)
    slugs = {r for r in roles if isinstance(r, str)}
    found = {r.slug: r for r in Role.objects.filter(slug__in=slugs)} if slugs else {}
    unknown = sorted(slugs - found.keys())
    if unknown:
        raise ValidationError(
            {"roles": _("Unknown role: %(slugs)s.") % {"slugs": ", ".join(unknown)}}
        )
    resolved: list[Role] = []
    for r in roles:
        role = found[r] if isinstance(r, str) else r
        if role not in resolved:
            resolved.append(role)
    wrong = [
        r.name
        for r in resolved
        if r.organisation_kinds and organisation.kind not in r.organisation_kinds
    ]
    if wrong:
        raise ValidationError(
            {
                "roles": _("Not meant for this kind of organisation: %(roles)s.")
                % {"roles": ", ".join(wrong)}
            }
        )
    return resolved


def _membership_audit(actor: Viewer, membership: Membership, action: str, fields) -> None:
    audit_record(
        viewer=actor,
        action=action,
        object_type=MEMBERSHIP_AUDIT_TYPE,
        object_ids=[membership.pk],
        fields=fields,
        context=AuditContext(
            type="partners.organisation",
            id=str(membership.organisation_id),
            label=membership.organisation.name,
        ),
        data_owner=DataOwner(membership.organisation_id, membership.organisation.name),
    )


# --- organisations ---------------------------------------------------------------------


@transaction.atomic
def organisation_create(
    *,
    actor: Viewer,
    name: str,
    slug: str,
    kind: str,
    contact_route: str = "",
    email: str = "",
    phone: str = "",
) -> Organisation:
    _require_manager(actor)
    organisation = Organisation(
        name=name, slug=slug, kind=kind, contact_route=contact_route, email=email, phone=phone
    )
    organisation.full_clean()
    organisation.save(force_insert=True)
    log_event(
        "organisation_created", actor=actor.label, object=f"partners.organisation:{organisation.pk}"
    )
    return organisation


@transaction.atomic
def organisation_update(
    *,
    actor: Viewer,
    organisation: Organisation,
    name: str = UNCHANGED,
    slug: str = UNCHANGED,
    kind: str = UNCHANGED,
    contact_route: str = UNCHANGED,
    email: str = UNCHANGED,
    phone: str = UNCHANGED,
    is_active: bool = UNCHANGED,
) -> Organisation:
    _require_manager(actor, organisation_id=organisation.pk)
    changed = apply_changes(
        organisation,
        {
            "name": name,
            "slug": slug,
            "kind": kind,
            "contact_route": contact_route,
            "email": email,
            "phone": phone,
            "is_active": is_active,
        },
    )
    if changed:
        _save(organisation, changed)
    return organisation


# --- people and memberships ----------------------------------------------------------------


@transaction.atomic
def professional_create(
    *,
    actor: Viewer,
    username: str,
    email: str,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
):
    """Create the Django user of a professional.

    Without a password the account has an unusable one: the person sets it through the
    password-reset e-mail. A second factor is enrolled by the person at first login.
    Raises ValidationError for a taken username or e-mail address or a weak password.
    A person belongs to no organisation until `membership_create`, so an organisation's API
    token may create people too (its membership writes stay within its organisation).
    """
    _require_manager(actor, scoped=False)
    user_model = get_user_model()
    user = user_model(
        username=username, email=email.strip(), first_name=first_name, last_name=last_name
    )
    errors: dict[str, list[str]] = {}
    if not user.email:
        errors["email"] = [_("Enter an e-mail address.")]
    elif user_model.objects.filter(email__iexact=user.email).exists():
        # Logging in by e-mail needs the address to point at one person.
        errors["email"] = [_("Another person already uses this e-mail address.")]
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            errors["password"] = exc.messages
        user.set_password(password)
    else:
        user.set_unusable_password()
    try:
        user.full_clean()
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    user.save()
    audit_record(
        viewer=actor,
        action="create",
        object_type=USER_AUDIT_TYPE,
        object_ids=[user.pk],
        fields=[f for f in ("username", "email", "first_name", "last_name") if getattr(user, f)],
        # A person of no organisation yet: no data owner until their first membership.
        data_owner=None,
    )
    return user


def _membership_create(
    *,
    actor: Viewer,
    organisation: Organisation,
    user,
    roles: Iterable[Role | str],
    job_title: str,
    mandate_level: str,
    may_decide_on: str,
    work_phone: str,
    work_email: str,
    is_service_account: bool = False,
) -> Membership:
    if not organisation.is_active:
        raise ApplicationError(_("This organisation is no longer active."))
    if Membership.objects.filter(user=user, organisation=organisation).exists():
        raise ApplicationError(
            _("%(person)s is already a member of %(organisation)s.")
            % {"person": user.get_full_name() or user.get_username(), "organisation": organisation}
        )
    resolved = _resolve_roles(roles, organisation)
    membership = Membership(
        user=user,
        organisation=organisation,
        job_title=job_title,
        mandate_level=mandate_level,
        may_decide_on=may_decide_on,
        work_phone=work_phone,
        work_email=work_email,
        is_service_account=is_service_account,
    )
    membership.full_clean()
    membership.save(force_insert=True)
    membership.roles.set(resolved)
    fields = ["organisation", "user", "mandate_level"]
    fields += [
        f
        for f in ("job_title", "may_decide_on", "work_phone", "work_email")
        if getattr(membership, f)
    ]
    if resolved:
        fields.append("roles")
    _membership_audit(actor, membership, "create", fields)
    return membership


@transaction.atomic
def membership_create(
    *,
    actor: Viewer,
    organisation: Organisation,
    user,
    roles: Iterable[Role | str] = (),
    job_title: str = "",
    mandate_level: str = MandateLevel.OPERATIONAL,
    may_decide_on: str = "",
    work_phone: str = "",
    work_email: str = "",
) -> Membership:
    """Make `user` a member of `organisation` with roles (instances or slugs) and mandate.

    Raises ApplicationError if the person is already a member (active or not: reactivate
    with `membership_update(is_active=True)`), ValidationError for a role not meant for the
    organisation's kind or invalid fields. Audited.
    """
    _require_manager(actor, organisation_id=organisation.pk)
    return _membership_create(
        actor=actor,
        organisation=organisation,
        user=user,
        roles=roles,
        job_title=job_title,
        mandate_level=mandate_level,
        may_decide_on=may_decide_on,
        work_phone=work_phone,
        work_email=work_email,
    )


@transaction.atomic
def membership_update(
    *,
    actor: Viewer,
    membership: Membership,
    roles: Iterable[Role | str] = UNCHANGED,
    job_title: str = UNCHANGED,
    mandate_level: str = UNCHANGED,
    may_decide_on: str = UNCHANGED,
    work_phone: str = UNCHANGED,
    work_email: str = UNCHANGED,
    is_active: bool = UNCHANGED,
) -> Membership:
    """Change what is given; an update that changes nothing writes nothing (no audit)."""
    _require_manager(actor, organisation_id=membership.organisation_id)
    if is_active is False and membership.is_active:
        _refuse_own_membership(actor, membership)
    changed = apply_changes(
        membership,
        {
            "job_title": job_title,
            "mandate_level": mandate_level,
            "may_decide_on": may_decide_on,
            "work_phone": work_phone,
            "work_email": work_email,
            "is_active": is_active,
        },
    )
    new_roles = None
    if roles is not UNCHANGED:
        new_roles = _resolve_roles(roles, membership.organisation)
        if {r.pk for r in new_roles} != set(membership.roles.values_list("pk", flat=True)):
            changed.append("roles")
        else:
            new_roles = None
    if not changed:
        return membership
    column_fields = [f for f in changed if f != "roles"]
    if column_fields:
        _save(membership, column_fields)
    if new_roles is not None:
        membership.roles.set(new_roles)
    _membership_audit(actor, membership, "update", changed)
    return membership


def _refuse_own_membership(actor: Viewer, membership: Membership) -> None:
    # Ending one's own membership would lock the last administrator out.
    if actor.user_id is not None and membership.user_id == actor.user_id:
        raise ApplicationError(_("You cannot end your own membership."))


@transaction.atomic
def membership_deactivate(*, actor: Viewer, membership: Membership) -> Membership:
    """End a membership (kept for history). Raises ApplicationError if already inactive or
    if the actors would end their own membership (and lock themselves out)."""
    _require_manager(actor, organisation_id=membership.organisation_id)
    if not membership.is_active:
        raise ApplicationError(_("This membership has already ended."))
    _refuse_own_membership(actor, membership)
    membership.is_active = False
    _save(membership, ["is_active"])
    _membership_audit(actor, membership, "update", ["is_active"])
    return membership


# --- roles -------------------------------------------------------------------------------


def _resolve_permissions(codes: Iterable[str]) -> list[Permission]:
    wanted = []
    for code in codes:
        if code not in wanted:
            wanted.append(code)
    pairs = []
    bad = []
    for code in wanted:
        app_label, _dot, codename = str(code).partition(".")
        if not codename or app_label not in ASSIGNABLE_PERMISSION_APPS:
            bad.append(str(code))
        else:
            pairs.append((app_label, codename))
    found = {
        f"{p.content_type.app_label}.{p.codename}": p
        for p in Permission.objects.filter(
            content_type__app_label__in={a for a, _c in pairs},
            codename__in={c for _a, c in pairs},
        ).select_related("content_type")
    }
    bad += [f"{a}.{c}" for a, c in pairs if f"{a}.{c}" not in found]
    if bad:
        raise ValidationError(
            {"permissions": _("Unknown permission: %(codes)s.") % {"codes": ", ".join(bad)}}
        )
    return [found[f"{a}.{c}"] for a, c in pairs]


def _clean_kinds(kinds: Iterable[str]) -> list[str]:
    result = []
    for kind in kinds:
        if kind not in OrganisationKind.values:
            raise ValidationError(
                {
                    "organisation_kinds": _("Unknown kind of organisation: %(kind)s.")
                    % {"kind": kind}
                }
            )
        if kind not in result:
            result.append(kind)
    return result


@transaction.atomic
def role_create(
    *,
    actor: Viewer,
    name: str,
    slug: str,
    description: str = "",
    organisation_kinds: Iterable[str] = (),
    permissions: Iterable[str] = (),
) -> Role:
    """Create a role granting `permissions` ("app_label.codename", from the assignable apps)."""
    _require_manager(actor)
    perms = _resolve_permissions(permissions)
    role = Role(
        name=name,
        slug=slug,
        description=description,
        organisation_kinds=_clean_kinds(organisation_kinds),
    )
    role.full_clean()
    role.save(force_insert=True)
    role.permissions.set(perms)
    log_event("role_created", actor=actor.label, object=f"partners.role:{role.pk}")
    return role


@transaction.atomic
def role_update(
    *,
    actor: Viewer,
    role: Role,
    name: str = UNCHANGED,
    slug: str = UNCHANGED,
    description: str = UNCHANGED,
    organisation_kinds: Iterable[str] = UNCHANGED,
    permissions: Iterable[str] = UNCHANGED,
) -> Role:
    _require_manager(actor)
    changed = apply_changes(
        role,
        {
            "name": name,
            "slug": slug,
            "description": description,
            "organisation_kinds": UNCHANGED
            if organisation_kinds is UNCHANGED
            else _clean_kinds(organisation_kinds),
        },
    )
    if changed:
        _save(role, changed)
    if permissions is not UNCHANGED:
        perms = _resolve_permissions(permissions)
        if {p.pk for p in perms} != set(role.permissions.values_list("pk", flat=True)):
            role.permissions.set(perms)
            changed.append("permissions")
    if changed:
        # Who gets which permission is security-relevant: leave a trace in the log.
        log_event(
            "role_changed",
            actor=actor.label,
            object=f"partners.role:{role.pk}",
            fields=",".join(changed),
        )
    return role


# --- data-sharing agreements -----------------------------------------------------------------


def _party_ids(parties: Iterable[Organisation | int]) -> list[int]:
    ids: list[int] = []
    for party in parties:
        pk = party.pk if isinstance(party, Organisation) else int(party)
        if pk not in ids:
            ids.append(pk)
    return ids


def _agreement_save(agreement: DataSharingAgreement, party_ids: list[int] | None, changed):
    """Validate the agreement as a whole (fields and the rules across them), then save."""
    errors: dict[str, list[str]] = {}
    try:
        agreement.full_clean()
    except ValidationError as exc:
        errors = {k: list(v) for k, v in exc.message_dict.items()}
    if party_ids is not None:
        existing = Organisation.objects.filter(pk__in=party_ids).count()
        if existing != len(party_ids):
            errors.setdefault("parties", []).append(_("Unknown organisation."))
        elif len(party_ids) < 2:
            errors.setdefault("parties", []).append(_("An agreement needs at least two parties."))
    categories = agreement.data_categories
    if "data_categories" in errors:
        pass  # full_clean already said what is wrong (e.g. empty)
    elif not isinstance(categories, list) or not categories:
        errors.setdefault("data_categories", []).append(_("Choose at least one data category."))
    else:
        unknown = [c for c in categories if c not in DataCategory.values]
        if unknown:
            errors.setdefault("data_categories", []).append(
                _("Unknown data category: %(categories)s.")
                % {"categories": ", ".join(map(str, unknown))}
            )
    if agreement.retention_days is not None and agreement.retention_days < 1:
        errors.setdefault("retention_days", []).append(_("Keep data for at least one day."))
    if (
        agreement.valid_until is not None
        and agreement.valid_from is not None
        and agreement.valid_until < agreement.valid_from
    ):
        errors.setdefault("valid_until", []).append(
            _("The end date cannot be before the start date.")
        )
    if errors:
        raise ValidationError(errors)
    if changed is None:
        agreement.save(force_insert=True)
    elif changed:
        agreement.save(update_fields=[*changed, "updated_at"])
    if party_ids is not None:
        agreement.parties.set(party_ids)


def _dedupe(values: Iterable[str]) -> list[str]:
    result = []
    for v in values:
        if v not in result:
            result.append(v)
    return result


@transaction.atomic
def data_sharing_agreement_create(
    *,
    actor: Viewer,
    title: str,
    parties: Iterable[Organisation | int],
    purposes: str,
    data_categories: Iterable[str],
    legal_basis: str,
    retention_days: int,
    valid_from: date,
    valid_until: date | None = None,
) -> DataSharingAgreement:
    """Record a covenant. Raises ValidationError unless it has at least two parties, known
    data categories (`DataCategory`), a retention of a day or more and an end date on or
    after its start date."""
    _require_manager(actor)
    agreement = DataSharingAgreement(
        title=title,
        purposes=purposes,
        data_categories=_dedupe(data_categories),
        legal_basis=legal_basis,
        retention_days=retention_days,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    _agreement_save(agreement, _party_ids(parties), changed=None)
    log_event("agreement_created", actor=actor.label, object=f"partners.agreement:{agreement.pk}")
    return agreement


@transaction.atomic
def data_sharing_agreement_update(
    *,
    actor: Viewer,
    agreement: DataSharingAgreement,
    title: str = UNCHANGED,
    parties: Iterable[Organisation | int] = UNCHANGED,
    purposes: str = UNCHANGED,
    data_categories: Iterable[str] = UNCHANGED,
    legal_basis: str = UNCHANGED,
    retention_days: int = UNCHANGED,
    valid_from: date = UNCHANGED,
    valid_until: date | None = UNCHANGED,
) -> DataSharingAgreement:
    _require_manager(actor)
    changed = apply_changes(
        agreement,
        {
            "title": title,
            "purposes": purposes,
            "data_categories": UNCHANGED
            if data_categories is UNCHANGED
            else _dedupe(data_categories),
            "legal_basis": legal_basis,
            "retention_days": retention_days,
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    party_ids = None if parties is UNCHANGED else _party_ids(parties)
    if party_ids is not None and set(party_ids) == set(
        agreement.parties.values_list("pk", flat=True)
    ):
        party_ids = None
    if changed or party_ids is not None:
        _agreement_save(agreement, party_ids, changed=changed)
        log_event(
            "agreement_changed",
            actor=actor.label,
            object=f"partners.agreement:{agreement.pk}",
            fields=",".join(changed + (["parties"] if party_ids is not None else [])),
        )
    return agreement


# --- API tokens ------------------------------------------------------------------------


def _service_account(organisation: Organisation, prefix: str):
    user_model = get_user_model()
    user = user_model(username=f"api-{organisation.slug}-{prefix}"[:150])
    user.set_unusable_password()
    user.full_clean()
    user.save()
    return user


@transaction.atomic
def api_token_create(
    *,
    actor: Viewer,
    organisation: Organisation,
    name: str,
    user=None,
    roles: Iterable[Role | str] = (),
) -> tuple[ApiToken, str]:
    """Create a token for a system acting for `organisation`; return it with its plain key.

    The key is shown once: only its hash is stored. The token acts with the roles of
    `user` in the organisation (who must be an active member), or, without `user`, of a new
    service account that gets `roles` there.
    """
    _require_manager(actor, organisation_id=organisation.pk)
    if not organisation.is_active:
        raise ApplicationError(_("This organisation is no longer active."))
    roles = list(roles)
    if user is not None:
        if roles:
            raise ValidationError({"roles": _("Roles apply only to a new service account.")})
        if not Membership.objects.filter(
            user=user, organisation=organisation, is_active=True
        ).exists():
            raise ValidationError(
                {"user": _("This person is not an active member of the organisation.")}
            )
    else:
        _resolve_roles(roles, organisation)  # refuse before anything is created
    for _attempt in range(5):
        prefix, key = ApiToken.new_key()
        if not ApiToken.objects.filter(prefix=prefix).exists():
            break
    else:  # pragma: no cover - 5 collisions of 32 random bits
        raise ApplicationError(_("Could not create a token; please try again."))
    token = ApiToken(organisation=organisation, name=name, prefix=prefix)
    token.key_hash = ApiToken.hash_key(key)
    if user is None:
        user = _service_account(organisation, prefix)
        token.user = user
        token.full_clean()  # before the membership, so a bad name writes nothing
        _membership_create(
            actor=actor,
            organisation=organisation,
            user=user,
            roles=roles,
            job_title=name[:120],
            mandate_level=MandateLevel.OPERATIONAL,
            may_decide_on="",
            work_phone="",
            work_email="",
            is_service_account=True,
        )
    else:
        token.user = user
        token.full_clean()
    try:
        with transaction.atomic():
            token.save(force_insert=True)
    except IntegrityError as exc:  # pragma: no cover - a prefix taken in between
        raise ApplicationError(_("Could not create a token; please try again.")) from exc
    log_event(
        "api_token_created",
        actor=actor.label,
        organisation=organisation.slug,
        object=f"partners.apitoken:{token.pk}",
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, actor: Viewer, token: ApiToken) -> ApiToken:
    """Revoke a token: it is refused (401) from now on. Raises ApplicationError if revoked."""
    _require_manager(actor, organisation_id=token.organisation_id)
    if token.revoked_at is not None:
        raise ApplicationError(_("This token has already been revoked."))
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at", "updated_at"])
    log_event(
        "api_token_revoked",
        actor=actor.label,
        organisation=token.organisation.slug,
        object=f"partners.apitoken:{token.pk}",
    )
    return token
