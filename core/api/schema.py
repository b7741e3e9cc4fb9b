"""OpenAPI schema pieces: documented error responses on every operation, and the pagination class."""

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
            {"type": "object"},
            {"type": "string"},
        ]
    },
}
THROTTLED_HEADERS = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}


class ApiAutoSchema(AutoSchema):
    """drf-spectacular's schema with the error answers every operation can give listed next to its success."""

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


class ApiPagination(PageNumberPagination):
    """Numbered pages of 50 by default; `page_size` up to 500."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


TOKEN_REQUEST = {"username": "crm-sync", "password": "••••••••"}


TOKEN_RESPONSE = {"token": "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b"}
