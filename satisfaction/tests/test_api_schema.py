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
    # `/api/v1/alerts/` is served but listed once, under the enterprise paths.
    assert not any(path.startswith("/api/v1/alerts/") for _, path in present)


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
    # Swagger UI's start-up script is a file (the CSP allows no inline script); it points at the schema.
    start_up = client.get("/api/v1/docs/", {"script": ""})
    assert start_up.status_code == 200 and b"/api/v1/schema/" in start_up.content
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


# Pinned: a generated client names its methods after these, so renaming one breaks integrators' code.
STABLE_OPERATION_IDS = {
    "auth_token_create",
    "enterprise_satisfaction_record",
    "enterprise_satisfaction_analytics",
    "enterprise_satisfaction_trends",
    "enterprise_satisfaction_improve",
    "enterprise_satisfaction_dashboard",
    "enterprise_satisfaction_alerts_list",
    "enterprise_satisfaction_alerts_retrieve",
    "enterprise_satisfaction_alerts_acknowledge",
    "enterprise_satisfaction_alerts_resolve",
    "records_list",
    "records_create",
    "customers_list",
    "customers_create",
    "contacts_list",
    "tickets_list",
    "complaints_list",
    "measures_list",
    "suggestions_list",
    "watchlist_list",
    "imports_create",
}


def test_operation_ids_are_unique_and_the_pinned_ones_stay(schema):
    ids = [operation["operationId"] for _, _, operation in _operations(schema)]
    assert len(ids) == len(set(ids))
    assert set(ids) >= STABLE_OPERATION_IDS
    summaries = [operation["summary"] for _, _, operation in _operations(schema)]
    assert len(summaries) == len(set(summaries)), "an operation is listed at two paths"


def test_request_bodies_are_json_only_except_the_upload(schema):
    for method, path, operation in _operations(schema):
        if "requestBody" not in operation:
            continue
        content = set(operation["requestBody"]["content"])
        if path == "/api/v1/imports/":
            assert content == {"multipart/form-data"}
        else:
            assert content == {"application/json"}, f"{method.upper()} {path}"


def test_the_token_scheme_is_an_api_key_header_with_its_prefix(schema):
    token = schema["components"]["securitySchemes"]["tokenAuth"]
    assert (token["type"], token["in"], token["name"]) == ("apiKey", "header", "Authorization")
    assert "`Authorization: Token " in token["description"]
    assert token["x-example"].startswith("Token ")


def _untyped(node, where: str):
    """Places in a schema where a value's type is left open (an object without properties or value type, or no
    type at all)."""
    if isinstance(node, list):
        for i, item in enumerate(node):
            yield from _untyped(item, f"{where}[{i}]")
        return
    if not isinstance(node, dict):
        return
    no_type = not ({"type", "$ref", "oneOf", "anyOf", "allOf"} & set(node))
    open_object = node.get("type") == "object" and "properties" not in node and not node.get("additionalProperties")
    if no_type or open_object:
        yield where
    for key, child in node.items():
        if key in ("properties",):
            for name, prop in child.items():
                yield from _untyped(prop, f"{where}.{name}")
        elif key in ("items", "additionalProperties", "oneOf", "anyOf", "allOf") and isinstance(child, (dict, list)):
            yield from _untyped(child, f"{where}.{key}")


def test_no_field_of_any_response_or_body_is_untyped(schema):
    found = []
    for name, component in schema["components"]["schemas"].items():
        found += _untyped(component, name)
    for method, path, operation in _operations(schema):
        for code, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                found += _untyped(media["schema"], f"{method.upper()} {path} {code}")
    assert found == []


def test_schema_passes_openapi_spec_validator(schema):
    from openapi_spec_validator import validate

    validate(schema)
