"""Put the test provider's client and people in its database: `python -m tests.oidc_provider.seed '<json>'`.

JSON: {"client": {"id", "secret", "redirect_uri"}, "users": [{"username", "password", "email", "given_name",
"family_name", "roles": [...]}]}. Run again to change a person's roles; existing rows are updated.
"""

import json
import os
import sys

import django


def main(spec: dict) -> None:
    from django.contrib.auth.models import Group, User
    from oauth2_provider.models import Application

    client = spec.get("client")
    if client:
        app, _ = Application.objects.get_or_create(
            client_id=client["id"],
            defaults={
                "name": "Satisfaction",
                "client_type": Application.CLIENT_CONFIDENTIAL,
                "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
                "algorithm": Application.RS256_ALGORITHM,
                "skip_authorization": True,
            },
        )
        app.client_secret = client["secret"]  # hashed on save
        app.redirect_uris = client["redirect_uri"]
        app.save()
    for person in spec.get("users", []):
        user, _ = User.objects.get_or_create(username=person["username"])
        user.email = person.get("email", "")
        user.first_name = person.get("given_name", "")
        user.last_name = person.get("family_name", "")
        if not user.check_password(person["password"]):
            user.set_password(person["password"])  # only when it changes: a new hash ends the person's sessions
        user.save()
        user.groups.set([Group.objects.get_or_create(name=name)[0] for name in person.get("roles", [])])


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.oidc_provider.settings")
    django.setup()
    main(json.loads(sys.argv[1]))
