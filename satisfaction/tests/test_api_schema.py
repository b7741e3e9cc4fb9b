"""The OpenAPI schema and docs: served, valid, and every operation described with examples and its errors."""

import pytest
from django.core.cache import cache
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

OPERATIONS_OTHER_TEAMS_USE = {
    ("post", "/api/v1/enterprise-satisfaction/satisfaction/record"),
    ("get", "/api/v1/enterprise-satisfaction/satisfaction/analytics"),
    ("get", "/api/v1/enterprise-satisfaction/satisfaction/trends/{customer_id}"),
    ("post", "/api/v1/enterprise-satisfaction/satisfaction/improve"),
    ("get", "/api/v1/enterprise-satisfaction/satisfaction/dashboard"),
    ("get", "/api/v1/enterprise-satisfaction/satisfaction/alerts"),
    ("post", "/api/v1/enterprise-satisfaction/satisfaction/alerts/{id}/acknowledge"),
    ("post", "/api/v1/enterprise-satisfaction/satisfaction/alerts/{id}/resolve"),
}
RESOURCES = [
    "customers",
    "contacts",
    "contracts",
    "service-types",
    "tickets",
    "complaints",
    "records",
    "alerts",
    "watchlist",
    "suggestions",
    "measures",
    "tasks",
    "imports",
    "recovery-cases",
]


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    cache.clear()
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def _operations(schema):
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            if method in ("get", "post", "put", "patch", "delete"):
                yield method, path, operation


def test_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert {"tokenAuth", "cookieAuth"} <= set(schema["components"]["securitySchemes"])


def test_the_operations_other_teams_use_are_there(schema):
    present = {(method, path) for method, path, _ in _operations(schema)}
    assert present >= OPERATIONS_OTHER_TEAMS_USE
    for resource in RESOURCES:
        assert ("get", f"/api/v1/{resource}/") in present
        assert ("get", f"/api/v1/{resource}/{{id}}/") in present


def _has_example(operation) -> bool:
    bodies = [operation.get("requestBody", {})] + list(operation["responses"].values())
    return any(media.get("examples") for body in bodies for media in body.get("content", {}).values())


def test_every_operation_has_a_summary_description_example_and_its_errors(schema):
    for method, path, operation in _operations(schema):
        where = f"{method.upper()} {path}"
        assert operation.get("summary"), where
        assert len(operation.get("description", "")) > 20, where
        assert _has_example(operation), where
        codes = set(operation["responses"])
        if path != "/api/v1/auth/token/":
            assert {"400", "401", "403", "404"} <= codes, where
        if method != "get":
            assert {"429", "415"} <= codes, where


@pytest.mark.django_db
def test_docs_page_and_schema_formats():
    client = APIClient()
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()
    assert b"/api/v1/schema/" in docs.content
    # Swagger UI comes from our own static files, so the docs work without reaching a CDN.
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in docs.content
    assert b"cdn.jsdelivr" not in docs.content
    yaml = client.get("/api/v1/schema/")
    assert yaml.status_code == 200 and b"openapi: 3" in yaml.content


@pytest.mark.django_db
def test_unknown_api_paths_answer_json_404(manager_user):
    client = APIClient()
    client.force_authenticate(manager_user)
    for path in ("/api/v1/nothing-here/", "/api/v1/customers/1.5/", "/api/v1/customers"):
        response = client.get(path)
        assert response.status_code == 404 and response["Content-Type"] == "application/json", path
        assert set(response.json()) == {"detail"}
