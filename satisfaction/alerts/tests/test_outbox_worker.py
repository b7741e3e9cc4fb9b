"""The alert e-mail outbox with a real Celery worker on a private Redis: the broker stopped while alerts open,
then restarted, sends every e-mail exactly once; a worker killed mid-send gets the message redelivered."""

import collections
import contextlib
import email
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from satisfaction.alerts.models import AlertEmail
from satisfaction.alerts.rules import Finding
from satisfaction.alerts.services import alert_raise
from satisfaction.alerts.tasks import sweep_unevaluated_alerts
from satisfaction.alerts.tests import test_pipeline
from satisfaction.alerts.tests.test_pipeline import celery_broker, running_worker, wait_for
from satisfaction.tests import factories as f

pytestmark = [
    pytest.mark.redis,
    pytest.mark.postgres,
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server on PATH to run a broker"),
]
SEPARATOR = b"\n" + b"-" * 79 + b"\n"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PrivateRedis:
    """A redis-server of this test alone, on a free port, keeping nothing on disk: a restart loses every queued
    message, the worst a broker outage can do."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        assert wait_for(lambda: _pings(client), 10), "redis-server did not start"

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except Exception:  # noqa: BLE001 - not up yet
        return False


def _finding(n: int) -> Finding:
    return Finding(
        kind="low_score",
        dedupe_key=f"outbox-worker:{n}",
        severity="critical",
        value=1.0,
        threshold=3.0,
        message_en=f"Alert number {n}",
        message_zh=f"第 {n} 条预警",
    )


def _mails(directory: Path) -> collections.Counter:
    """(recipient, first body line) → how many times it was sent, from the file backend's files."""
    sent = collections.Counter()
    for path in directory.glob("*.log"):
        for chunk in path.read_bytes().split(SEPARATOR):
            if chunk.strip():
                message = email.message_from_bytes(chunk.strip())
                body = message.get_payload(decode=True).decode()
                sent[(message["To"], body.splitlines()[0])] += 1
    return sent


@pytest.fixture
def mail_dir(tmp_path, monkeypatch):
    directory = tmp_path / "mail"
    directory.mkdir()
    monkeypatch.setenv("EMAIL_BACKEND", "satisfaction.alerts.tests.mail_backends.HoldingFileBackend")
    monkeypatch.setenv("EMAIL_FILE_PATH", str(directory))
    monkeypatch.setenv("MAIL_HOLD_DIR", str(tmp_path))
    # A worker's start (importing pandas, scipy …) can take a while on a loaded machine.
    monkeypatch.setattr(test_pipeline, "WORKER_START_TIMEOUT", 120)
    return directory


def test_broker_stopped_while_alerts_open_then_restarted_every_e_mail_is_sent_exactly_once(mail_dir):
    managers = [f.UserFactory(username=f"mgr{i}", role="manager", email=f"mgr{i}@example.com") for i in range(2)]
    outage_alerts = 10
    with PrivateRedis() as broker, running_worker(broker.url, concurrency=1):
        with celery_broker(broker.url):
            alert_raise(finding=_finding(0))  # the broker is up: sent by the worker at once
            assert wait_for(lambda: AlertEmail.objects.filter(status="sent").count() == 2, 30)
            broker.stop()
            started = time.monotonic()
            for n in range(1, outage_alerts + 1):
                alert_raise(finding=_finding(n))
            opening = time.monotonic() - started
        assert AlertEmail.objects.filter(status="pending").count() == 2 * outage_alerts
        broker.start()  # empty: whatever was queued is gone
        with celery_broker(broker.url):
            sweep_unevaluated_alerts.delay()  # what beat sends every minute
            assert wait_for(lambda: AlertEmail.objects.filter(status="sent").count() == 2 * (outage_alerts + 1), 90)
            sweep_unevaluated_alerts.delay()  # a second sweep finds nothing left to send
            time.sleep(3)
    sent = _mails(mail_dir)
    expected = {(m.email, f"Alert number {n}") for m in managers for n in range(outage_alerts + 1)}
    assert set(sent) == expected
    assert set(sent.values()) == {1}, "an e-mail was sent more than once"
    assert opening < 5 * outage_alerts, f"opening alerts with the broker down took {opening:.1f}s"


def test_a_worker_killed_mid_send_gets_the_message_redelivered(mail_dir):
    manager = f.UserFactory(username="mgr", role="manager", email="mgr@example.com")
    hold = mail_dir.parent / "hold"
    hold.touch()
    with PrivateRedis() as broker, running_worker(broker.url, concurrency=1) as worker, celery_broker(broker.url):
        alert, _ = alert_raise(finding=_finding(1))
        assert wait_for(lambda: any(mail_dir.parent.glob("sending-*")), 30), "".join(worker.lines[-30:])
        row = AlertEmail.objects.get(alert=alert)
        assert (row.status, row.attempts) == ("sending", 1)
        pid = int(next(mail_dir.parent.glob("sending-*")).name.removeprefix("sending-"))
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)  # the pool process dies with the message in flight
        hold.unlink()
        assert wait_for(lambda: AlertEmail.objects.filter(pk=row.pk, status="sent").exists(), 60), "".join(
            worker.lines[-30:]
        )
    row.refresh_from_db()
    assert row.attempts == 2  # the same task, redelivered, took its claim back
    assert _mails(mail_dir) == {(manager.email, "Alert number 1"): 1}
