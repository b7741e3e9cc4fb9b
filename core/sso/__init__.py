"""Single sign-on with OpenID Connect: the provider's endpoints, the backend that maps claims to roles, the views."""
