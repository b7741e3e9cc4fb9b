"""API of the discovered themes: list them, keep one as a topic (managers)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import status
from rest_framework.response import Response

from core.api.views import ApiView, call_service, valid_input
from core.roles import MANAGER
from satisfaction.text.api import serializers as s
from satisfaction.text.discovery import discover_themes
from satisfaction.text.services import topic_keep

THEME = {
    "terms": ["portal", "log", "download", "门户", "登录"],
    "weights": [0.81, 0.64, 0.52, 0.47, 0.45],
    "comments": 42,
    "negative_share": 0.69,
    "avg_score": 2.8,
    "example_records": [9012, 8977, 8850],
}


class ThemesView(ApiView):
    read_role = MANAGER

    @extend_schema(
        operation_id="themes_list",
        summary="New themes in what customers write",
        description="Clusters of terms (TF-IDF + NMF) in the recent comments that match no topic, largest first; "
        "empty when there are too few such comments. See docs/text.md.",
        responses={200: s.ThemeSerializer(many=True)},
        examples=[OpenApiExample("Themes", value=[THEME], response_only=True)],
    )
    def get(self, request):
        return Response([theme.as_dict() for theme in discover_themes()])


class ThemeKeepView(ApiView):
    read_role = MANAGER

    @extend_schema(
        operation_id="themes_keep",
        summary="Keep a theme as a topic",
        description="Creates a topic of kind `discovered` with these terms as its keywords, named in both "
        "languages; the recent unmatched comments are analysed again. 400 on `code` when it exists.",
        request=s.ThemeKeepSerializer,
        responses={201: s.KeptTopicSerializer},
        examples=[
            OpenApiExample(
                "Keep",
                value={"terms": ["portal", "门户"], "label_en": "Client portal", "label_zh": "客户门户"},
                request_only=True,
            )
        ],
    )
    def post(self, request):
        data = valid_input(s.ThemeKeepSerializer, request)
        topic = call_service(topic_keep, **data)
        return Response(s.KeptTopicSerializer(topic).data, status=status.HTTP_201_CREATED)
