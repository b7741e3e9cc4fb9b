"""An integrator's path: generate a Python client from the served schema with openapi-python-client, import every
module of it, and run the seed operations through it against a live server on 127.0.0.1."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from satisfaction.tests import factories as f

PACKAGE = "satisfaction_client"
GENERATOR = Path(sys.executable).with_name("openapi-python-client")


@pytest.fixture
def client_package(live_server, tmp_path, monkeypatch):
    """The generated package, importable; the schema is read from the live server as an integrator would."""
    spec = httpx.get(f"{live_server.url}/api/v1/schema/", params={"format": "json"}, timeout=60)
    assert spec.status_code == 200
    (tmp_path / "schema.json").write_bytes(spec.content)
    (tmp_path / "config.yaml").write_text(f"post_hooks: []\npackage_name_override: {PACKAGE}\n")
    done = subprocess.run(
        [str(GENERATOR), "generate", "--path", "schema.json", "--config", "config.yaml", "--meta", "none"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Warning" not in done.stdout + done.stderr, done.stdout + done.stderr
    monkeypatch.syspath_prepend(str(tmp_path))
    yield importlib.import_module(PACKAGE)
    for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


@pytest.mark.django_db(transaction=True)
def test_a_generated_client_imports_and_runs_the_seed_operations(client_package, live_server, service_types):
    pkg = client_package
    failed = []
    for module in pkgutil.walk_packages(pkg.__path__, f"{PACKAGE}."):
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # noqa: BLE001 - every failure is reported, not only the first
            failed.append(f"{module.name}: {type(exc).__name__}: {exc}")
    assert failed == []

    from satisfaction_client import AuthenticatedClient, Client
    from satisfaction_client.api.auth import auth_token_create
    from satisfaction_client.api.enterprise_satisfaction import (
        enterprise_satisfaction_alerts_acknowledge as acknowledge,
    )
    from satisfaction_client.api.enterprise_satisfaction import (
        enterprise_satisfaction_alerts_list as alerts_list,
    )
    from satisfaction_client.api.enterprise_satisfaction import (
        enterprise_satisfaction_alerts_resolve as resolve,
    )
    from satisfaction_client.api.enterprise_satisfaction import (
        enterprise_satisfaction_analytics as analytics,
    )
    from satisfaction_client.api.enterprise_satisfaction import (
        enterprise_satisfaction_dashboard as dashboard,
    )
    from satisfaction_client.api.enterprise_satisfaction import (
        enterprise_satisfaction_improve as improve,
    )
    from satisfaction_client.api.enterprise_satisfaction import (
        enterprise_satisfaction_record as record,
    )
    from satisfaction_client.api.enterprise_satisfaction import (
        enterprise_satisfaction_trends as trends,
    )
    from satisfaction_client.models import (
        AlertResolve,
        CategoryEnum,
        EnterpriseSatisfactionTrendsPeriod,
        Improve,
        SatisfactionRecordInput,
        TokenRequest,
    )

    f.UserFactory(username="crm-sync", role="manager")
    customer = f.CustomerFactory(name="Huaxin Securities")

    anonymous = Client(base_url=live_server.url, raise_on_unexpected_status=True)
    answer = auth_token_create.sync_detailed(client=anonymous, body=TokenRequest("crm-sync", f.PASSWORD))
    assert answer.status_code == 200
    token = answer.parsed.token

    # The generator's default prefix is `Bearer`; the scheme's description says `Token`.
    bearer = AuthenticatedClient(base_url=live_server.url, token=token)
    assert dashboard.sync_detailed(client=bearer).status_code == 401
    api = AuthenticatedClient(base_url=live_server.url, token=token, prefix="Token", raise_on_unexpected_status=True)

    body = SatisfactionRecordInput(
        service_type="legal_consultation", score=1.5, customer=customer.pk, feedback="Late.", external_id="T-1"
    )
    saved = record.sync_detailed(client=api, body=body)
    assert saved.status_code == 201, saved.content
    assert (saved.parsed.score, saved.parsed.customer) == (1.5, customer.pk)
    again = record.sync_detailed(client=api, body=body)  # a retry with the same external_id
    assert again.parsed.id == saved.parsed.id

    kpis = analytics.sync_detailed(client=api, days=7)
    assert kpis.status_code == 200
    assert kpis.parsed.kpis.count == 1 and kpis.parsed.kpis.dissatisfaction_rate == 1.0
    assert kpis.parsed.tests.satisfaction_rate.enough_data is False
    assert kpis.parsed.target.target_value == 0.95

    trend = trends.sync_detailed(customer.pk, client=api, period=EnterpriseSatisfactionTrendsPeriod.MONTH)
    assert trend.status_code == 200
    assert sum(point.kpis.count for point in trend.parsed.points) == 1

    measure = improve.sync_detailed(
        client=api,
        body=Improve(title="Call back late cases", category=CategoryEnum.COMMUNICATION, customer=customer.pk),
    )
    assert measure.status_code == 201, measure.content
    assert measure.parsed.title == "Call back late cases"

    board = dashboard.sync_detailed(client=api)
    assert board.status_code == 200
    assert board.parsed.kpis.count == 1

    alerts = alerts_list.sync_detailed(client=api, unresolved=True)
    assert alerts.status_code == 200
    (alert,) = [a for a in alerts.parsed.results if a.customer == customer.pk]
    assert alert.kind.value == "low_score"
    assert acknowledge.sync_detailed(alert.id, client=api).parsed.status.value == "acknowledged"
    done = resolve.sync_detailed(alert.id, client=api, body=AlertResolve(note="Called the customer back."))
    assert done.parsed.status.value == "resolved"
