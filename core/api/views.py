"""API base classes: role permission, write throttle, selector-backed viewsets, token endpoint."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.exceptions import NotFound
from rest_framework.filters import OrderingFilter
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import schema as examples
from core.api import serializers as s
from core.api.exceptions import to_drf_validation_error
from core.api.permissions import RolePermission
from core.api.schema import ApiAutoSchema, ApiPagination
from core.api.throttling import TokenRateThrottle, WriteRateThrottle
from core.roles import MANAGER, STAFF


class ApiView(APIView):
    """Base of every API view: role permission, write throttle, documented errors."""

    schema = ApiAutoSchema()
    permission_classes = [RolePermission]
    throttle_classes = [WriteRateThrottle]
    read_role = STAFF
    write_role = MANAGER


class ApiViewSet(viewsets.GenericViewSet):
    """Base of the resource viewsets: the queryset comes from a selector, filtering from the shared FilterSet."""

    schema = ApiAutoSchema()
    permission_classes = [RolePermission]
    throttle_classes = [WriteRateThrottle]
    pagination_class = ApiPagination
    filter_backends = [DjangoFilterBackend, OrderingFilter]
    read_role = STAFF
    write_role = MANAGER
    selector = None

    def get_queryset(self):
        return type(self).selector()


def resource_docs(
    noun: str, plural: str, example: dict, input_example: dict | None = None, **extra
) -> extend_schema_view:
    """Summaries, descriptions and examples for the standard actions of a resource."""
    shown = OpenApiExample(f"A {noun}", value=example, response_only=True)
    docs = {
        "list": extend_schema(
            summary=f"List {plural}",
            description=f"Pages of {plural}, filtered by the query parameters below and sorted by `ordering`.",
            examples=[shown],
        ),
        "retrieve": extend_schema(summary=f"Get one {noun}", description=f"The {noun} with this id.", examples=[shown]),
    }
    if input_example is not None:
        sent = OpenApiExample(f"New {noun}", value=input_example, request_only=True)
        docs["create"] = extend_schema(
            summary=f"Create a {noun}",
            description=f"Creates a {noun} (managers). Bad fields come back as 400, each named with the reason.",
            examples=[sent, shown],
        )
        docs["update"] = extend_schema(
            summary=f"Replace a {noun}",
            description=f"Replaces every writable field of the {noun} (managers).",
            examples=[sent, shown],
        )
        docs["partial_update"] = extend_schema(
            summary=f"Change a {noun}",
            description="Changes the fields sent, leaves the others (managers).",
            examples=[shown],
        )
    docs.update(extra)
    return extend_schema_view(**docs)


class WritableResourceViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, ApiViewSet
):
    """List, retrieve, create and update through the entity's service; no delete (history of helpdesk data is kept)."""

    def perform_create(self, serializer):
        self._write(serializer, self.create_instance)

    def perform_update(self, serializer):
        self._write(serializer, self.update_instance)

    # Each resource names its entity's write path: `create_service(data=…)` and
    # `update_service(<entity>=instance, data=…)`, e.g. ticket_create / ticket_update with entity "ticket".
    create_service = None
    update_service = None
    entity = ""

    def create_instance(self, serializer):
        """Save a new object through the entity's service."""
        return type(self).create_service(data=serializer.validated_data)

    def update_instance(self, serializer):
        """Change an object through the entity's service."""
        return type(self).update_service(**{self.entity: serializer.instance}, data=serializer.validated_data)

    def _write(self, serializer, write) -> None:
        try:
            instance = write(serializer)
        except DjangoValidationError as exc:
            raise to_drf_validation_error(exc) from None
        # Re-read through the selector so the response carries the same annotations as the list.
        serializer.instance = self.get_queryset().get(pk=instance.pk)


class ReadOnlyResourceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    """List and retrieve."""


class ManagerReadOnlyViewSet(ReadOnlyResourceViewSet):
    read_role = MANAGER


def call_service(func, /, **kwargs):
    """Call a service; its ValidationError becomes a 400 naming each field."""
    try:
        return func(**kwargs)
    except DjangoValidationError as exc:
        raise to_drf_validation_error(exc) from None


def valid_input(serializer_class, request, **kwargs) -> dict:
    incoming = serializer_class(data=request.data, **kwargs)
    incoming.is_valid(raise_exception=True)
    return incoming.validated_data


def action_docs(summary: str, description: str, request, response, example: dict, request_example=None):
    shown = [OpenApiExample("Result", value=example, response_only=True)]
    if request_example is not None:
        shown.append(OpenApiExample("Request", value=request_example, request_only=True))
    return extend_schema(
        summary=summary, description=description, request=request, responses={200: response}, examples=shown
    )


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([AllowAny])
def not_found(request, *args, **kwargs):
    """Any other path under the API: a JSON 404 like the rest of the API, not the HTML page of the site."""
    raise NotFound("No such API endpoint.")


class ObtainTokenView(APIView):
    """Exchange a username and password for the user's API token."""

    schema = ApiAutoSchema()
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenRateThrottle]

    @extend_schema(
        tags=["auth"],
        summary="Get an API token",
        description=(
            "Answers the token of the user with these credentials (created on first use). Send it as "
            "`Authorization: Token <token>`; the token carries the user's role. Wrong credentials answer 400."
        ),
        request=s.TokenRequestSerializer,
        responses={200: s.TokenResponseSerializer},
        examples=[
            OpenApiExample("Credentials", value=examples.TOKEN_REQUEST, request_only=True),
            OpenApiExample("Token", value=examples.TOKEN_RESPONSE, response_only=True),
        ],
        auth=[],
    )
    def post(self, request):
        incoming = s.TokenRequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        user = authenticate(request=request._request, **incoming.validated_data)
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": [_("Unable to log in with these credentials.")]})
        token, _created = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
