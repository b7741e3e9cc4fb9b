"""REST API v1: token or session authentication, role permissions as on the pages, an OpenAPI schema."""
