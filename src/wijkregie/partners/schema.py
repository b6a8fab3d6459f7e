"""OpenAPI description of the organisation token (imported in PartnersConfig.ready())."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class OrganisationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "wijkregie.partners.authentication.OrganisationTokenAuthentication"
    name = "organisationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "An organisation's API token: `Token wr_<prefix>_<secret>`. The token acts "
                "for that one organisation, with the roles of the member it belongs to."
            ),
        }
