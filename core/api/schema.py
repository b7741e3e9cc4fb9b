"""OpenAPI schema pieces: documented error responses on every operation, JSON request bodies, the token scheme,
types of result dataclasses, and the pagination class."""

import dataclasses
import datetime as dt
import types
import typing
from decimal import Decimal

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.pagination import PageNumberPagination

ERROR_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": "Each bad field (or `non_field_errors`) with the reasons it was refused.",
    "additionalProperties": {
        "oneOf": [
            {"type": "array", "items": {"type": "string"}},
            {
                "type": "object",
                "description": "Errors of a nested object or of one row of a list, by field.",
                "additionalProperties": {"type": "array", "items": {"type": "string"}},
            },
            {"type": "string"},
        ]
    },
}
THROTTLED_HEADERS = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


class TokenScheme(OpenApiAuthenticationExtension):
    """DRF's token as an `apiKey` header whose value carries the `Token ` prefix (generated clients default to
    `Bearer`, which answers 401)."""

    target_class = "rest_framework.authentication.TokenAuthentication"
    name = "tokenAuth"
    priority = 1

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The word `Token`, a space, then the key from `POST /api/v1/auth/token/`, e.g. "
            "`Authorization: Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b`. A generated client needs the prefix "
            'set to `Token` (openapi-python-client: `AuthenticatedClient(base_url, token, prefix="Token")`).',
            "x-example": "Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b",
        }


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema with the error answers every operation can give listed next to its success, and
    request bodies declared as JSON only: the session forms of the browsable API may still post form data, but a
    generated client gets one body type per operation."""

    def map_parsers(self):
        return map_parsers_json_only(super().map_parsers())

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        errors = {
            "400": OpenApiResponse(FIELD_ERRORS, description="Bad input: the body names each field and why."),
            "401": OpenApiResponse(ERROR_DETAIL, description="No or invalid credentials (token or session)."),
            "403": OpenApiResponse(ERROR_DETAIL, description="Authenticated, but the role does not allow this."),
            "404": OpenApiResponse(ERROR_DETAIL, description="No such object, or a page past the end."),
        }
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            errors["409"] = OpenApiResponse(ERROR_DETAIL, description="Conflicts with existing data.")
            errors["415"] = OpenApiResponse(ERROR_DETAIL, description="A body in a media type not accepted here.")
            errors["429"] = OpenApiResponse(ERROR_DETAIL, description="Too many writes: retry after the delay.")
        for code, response in errors.items():
            responses.setdefault(code, self._get_response_for_code(response, code, direction=direction))
        return responses


def map_parsers_json_only(media_types: list[str]) -> list[str]:
    """JSON only when the view takes JSON; an upload endpoint (multipart only) keeps its type."""
    return ["application/json"] if "application/json" in media_types else media_types


# Numbers may be null even when the field is not optional: `to_json` renders NaN and infinity as null.
_NUMBER = {"type": "number", "nullable": True}
_SCALARS = {int: {"type": "integer"}, float: _NUMBER, Decimal: _NUMBER, str: {"type": "string"}}
_SCALARS[bool] = {"type": "boolean"}
_SCALARS[dt.date] = {"type": "string", "format": "date"}
_SCALARS[dt.datetime] = {"type": "string", "format": "date-time"}


def type_schema(hint) -> dict:
    """The OpenAPI schema of a type hint, as `to_json` renders a value of it (dataclasses become objects)."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if len(args) == 1:
            return {**type_schema(args[0]), "nullable": True}
        return {"oneOf": [type_schema(a) for a in args], "nullable": True}
    if origin in (tuple, list):
        items = [a for a in args if a is not Ellipsis]
        if origin is tuple and len(items) > 1 and len(set(items)) == 1:
            items = items[:1]
        item = type_schema(items[0]) if len(items) == 1 else {"oneOf": [type_schema(a) for a in dict.fromkeys(items)]}
        return {"type": "array", "items": item}
    if origin is dict:
        return {"type": "object", "additionalProperties": type_schema(args[1]) if len(args) == 2 else {}}
    if dataclasses.is_dataclass(hint):
        return dataclass_schema(hint)
    if hint in _SCALARS:
        return dict(_SCALARS[hint])
    raise TypeError(f"No OpenAPI type for {hint!r}")


def dataclass_schema(cls, *, description: str = "", exclude: tuple[str, ...] = ()) -> dict:
    """Every field of a result dataclass typed, all required (null where the type allows), so a generated client
    gets attributes rather than an untyped dict."""
    hints = typing.get_type_hints(cls)
    properties = {f.name: type_schema(hints[f.name]) for f in dataclasses.fields(cls) if f.name not in exclude}
    schema = {"type": "object", "properties": properties, "required": list(properties)}
    doc = description or (cls.__doc__ or "").strip().splitlines()[0]
    if doc:
        schema["description"] = doc
    return schema


class ApiPagination(PageNumberPagination):
    """Numbered pages of 50 by default; `page_size` up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


TOKEN_REQUEST = {"username": "crm-sync", "password": "••••••••"}


TOKEN_RESPONSE = {"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}
