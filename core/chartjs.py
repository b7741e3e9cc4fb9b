"""Chart.js configurations built on the server, so templates only json_script them (static/js/charts.js draws)."""

from __future__ import annotations

PALETTE = ["#4f46e5", "#059669", "#d97706", "#dc2626", "#0891b2", "#7c3aed"]


def dataset(label: str, data: list, *, color_index: int = 0, axis: str = "y", kind: str | None = None) -> dict:
    color = PALETTE[color_index % len(PALETTE)]
    out = {"label": str(label), "data": data, "borderColor": color, "backgroundColor": color + "33", "yAxisID": axis}
    if kind:
        out["type"] = kind
    return out


def chart(kind: str, labels: list, datasets: list[dict], *, links: list | None = None, scales: dict | None = None,
          legend: bool = True, horizontal: bool = False) -> dict:  # fmt: skip
    """A Chart.js config; `links` (one URL per label) makes each point/bar open the records behind it."""
    config = {
        "type": kind,
        "data": {"labels": [str(label) for label in labels], "datasets": datasets},
        "options": {
            "plugins": {"legend": {"display": legend}},
            "scales": scales or {},
            "interaction": {"mode": "index", "intersect": False},
        },
    }
    if horizontal:
        config["options"]["indexAxis"] = "y"
    if links:
        config["links"] = links
    return config


def score_and_rate_scales(rate_label: str, score_label: str) -> dict:
    """Left axis: satisfaction rate in %, right axis: mean score 1–5."""
    return {
        "y": {"min": 0, "max": 100, "title": {"display": True, "text": str(rate_label)}},
        "y2": {"min": 1, "max": 5, "position": "right", "grid": {"drawOnChartArea": False},
               "title": {"display": True, "text": str(score_label)}},
    }  # fmt: skip
