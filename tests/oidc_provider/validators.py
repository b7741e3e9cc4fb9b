"""The claims the test provider puts in ID tokens and user-info: name, e-mail and `roles` (the user's groups)."""

from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    oidc_claim_scope = {**OAuth2Validator.oidc_claim_scope, "roles": "profile"}

    def get_additional_claims(self, request):
        user = request.user
        return {
            "email": user.email,
            "given_name": user.first_name,
            "family_name": user.last_name,
            "preferred_username": user.username,
            "roles": sorted(user.groups.values_list("name", flat=True)),
        }
