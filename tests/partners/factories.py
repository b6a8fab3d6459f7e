import datetime

from django.contrib.auth import get_user_model

import factory

from wijkregie.partners.models import (
    DataCategory,
    DataSharingAgreement,
    MandateLevel,
    Membership,
    Organisation,
    OrganisationKind,
    Role,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    first_name = factory.Faker("first_name", locale="nl_NL")
    last_name = factory.Faker("last_name", locale="nl_NL")
    password = factory.django.Password("x-test-password-1")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    kind = OrganisationKind.HOUSING_CORPORATION


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Role

    name = factory.Sequence(lambda n: f"Role {n}")
    slug = factory.Sequence(lambda n: f"role-{n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    mandate_level = MandateLevel.OPERATIONAL

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if create and extracted:
            self.roles.set(extracted)


class DataSharingAgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = DataSharingAgreement
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Convenant {n}")
    purposes = "Samen de wijk veilig houden."
    data_categories = factory.LazyFunction(lambda: [DataCategory.RESIDENT_IDENTITY.value])
    legal_basis = "Art. 6 lid 1 sub e AVG"
    retention_days = 365
    valid_from = datetime.date(2026, 1, 1)
    valid_until = None

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        if create and extracted:
            self.parties.set(extracted)
