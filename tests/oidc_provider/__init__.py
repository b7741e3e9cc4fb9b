"""A small OpenID Connect provider (django-oauth-toolkit) that the SSO browser test runs in a subprocess.

Test-only: its own settings, an SQLite file and an RSA key that the test makes, cookies named apart from the site's
(both run on 127.0.0.1, and browsers share cookies across ports).
"""
