"""API representations of discovered themes and the input to keep one as a topic."""

from rest_framework import serializers


class ThemeSerializer(serializers.Serializer):
    terms = serializers.ListField(child=serializers.CharField(), help_text="The theme's terms, strongest first.")
    weights = serializers.ListField(child=serializers.FloatField(), help_text="Each term's weight in the theme.")
    comments = serializers.IntegerField(help_text="Comments mainly about this theme.")
    negative_share = serializers.FloatField(help_text="Share of those comments with negative sentiment (0–1).")
    avg_score = serializers.FloatField(help_text="Mean score of the records behind those comments.")
    example_records = serializers.ListField(child=serializers.IntegerField(), help_text="Ids of example records.")


class ThemeKeepSerializer(serializers.Serializer):
    terms = serializers.ListField(child=serializers.CharField(max_length=100), min_length=1, max_length=50)
    label_en = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    label_zh = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    code = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="", help_text="Default: from the English name."
    )
    add_to = serializers.CharField(
        max_length=40, required=False, allow_blank=True, default="",
        help_text="Add the terms to this topic (its code) instead of creating one; the names are then not needed.",
    )  # fmt: skip


class KeptTopicSerializer(serializers.Serializer):
    code = serializers.CharField()
    label_en = serializers.CharField()
    label_zh = serializers.CharField()
    kind = serializers.CharField()
