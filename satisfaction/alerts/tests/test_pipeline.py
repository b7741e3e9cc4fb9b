"""The alert pipeline end to end: the record hook, the sweep, the management command, concurrent evaluation on
PostgreSQL, and a real Celery worker on Redis (killed mid-batch, broker unreachable)."""

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from kombu import pools as kombu_pools

from satisfaction.alerts.models import SatisfactionAlert
from satisfaction.alerts.rules import Finding
from satisfaction.alerts.services import alert_raise, evaluate_record, sweep_unevaluated
from satisfaction.feedback.models import SatisfactionRecord
from satisfaction.feedback.services import record_satisfaction
from satisfaction.tests import factories as f
from satisfaction_site.celery import app as celery_app

BASE_DIR = Path(__file__).resolve().parents[3]  # the project root, where manage.py is
REDIS_BASE = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/15").rsplit("/", 1)[0]
WORKER_START_TIMEOUT = 30
ALERT_TIMEOUT = 10


# --- helpers --------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def celery_broker(url: str):
    """Publish tasks to a real broker at `url` instead of running them eagerly, for the length of the block."""
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}

    def reset_pools():
        # Producer pools are cached per broker connection, globally in kombu and on the app: start afresh.
        kombu_pools.reset()
        celery_app._pool = None
        celery_app.amqp._producer_pool = None

    reset_pools()
    celery_app.conf.update(broker_url=url, task_always_eager=False)
    try:
        yield
    finally:
        reset_pools()
        celery_app.conf.update(saved)


def redis_url_for_this_worker() -> str:
    """A Redis database of its own per xdist worker, so parallel test processes never share a queue."""
    index = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    return f"{REDIS_BASE}/{8 + index % 8}"


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}:{s['PASSWORD']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Worker:
    """A real `celery worker` process against `broker_url` and the test database; always stopped by `stop()`."""

    def __init__(self, broker_url: str, concurrency: int = 2):
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": broker_url,
            "DJANGO_SETTINGS_MODULE": "satisfaction_site.settings",
            "CONN_MAX_AGE": "0",
            "PYTHONUNBUFFERED": "1",
        }
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "satisfaction_site",
                "worker",
                "--loglevel=INFO",
                f"--concurrency={concurrency}",
                "--pool=prefork",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                "-n",
                f"alerts-test-{uuid.uuid4().hex[:8]}@%h",
            ],  # fmt: skip
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own process group: killing it kills the pool children too
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)
            if " ready." in line:
                self.ready.set()

    def wait_ready(self):
        if not self.ready.wait(WORKER_START_TIMEOUT):
            raise AssertionError("worker did not start:\n" + "".join(self.lines[-40:]))

    def kill(self):
        """SIGKILL the whole worker, as a crash or an OOM kill would."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


@contextlib.contextmanager
def running_worker(broker_url: str, concurrency: int = 2):
    worker = Worker(broker_url, concurrency)
    try:
        worker.wait_ready()
        yield worker
    finally:
        worker.stop()
        connection.close()


def wait_for(predicate, timeout: float, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def _low_record(score="1.5", **kwargs):
    record, _ = record_satisfaction(customer=f.CustomerFactory(), service_type="data_analysis", score=score, **kwargs)
    return record


# --- eager pipeline -------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_recording_a_low_score_raises_the_alert_on_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        record = _low_record()
    record.refresh_from_db()
    assert record.alerts_evaluated_at is not None
    assert SatisfactionAlert.objects.filter(record=record, kind="low_score").count() == 1


@pytest.mark.django_db
def test_nothing_runs_before_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _low_record()
    assert callbacks and not SatisfactionAlert.objects.exists()


@pytest.mark.django_db
def test_retry_with_same_external_id_fires_nothing(django_capture_on_commit_callbacks):
    customer = f.CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True) as first:
        record_satisfaction(customer=customer, service_type="data_analysis", score="2", external_id="X-1")
    with django_capture_on_commit_callbacks(execute=True) as retry:
        record_satisfaction(customer=customer, service_type="data_analysis", score="2", external_id="X-1")
    assert first and not retry
    assert SatisfactionAlert.objects.get().occurrences == 1


@pytest.mark.django_db
def test_sweep_and_command_evaluate_what_was_never_evaluated():
    records = [f.RecordFactory(score=Decimal("2.0")) for _ in range(3)] + [f.RecordFactory(score=Decimal("4.5"))]
    assert sweep_unevaluated(limit=2) == 2
    out = __import__("io").StringIO()
    call_command("evaluate_alerts", "--window-rules", stdout=out)
    assert "Evaluated 2 record(s)" in out.getvalue() and "risk_scores: 3" in out.getvalue()
    assert not SatisfactionRecord.objects.filter(alerts_evaluated_at__isnull=True).exists()
    assert set(SatisfactionAlert.objects.filter(kind="low_score").values_list("record_id", flat=True)) == {
        r.pk for r in records[:3]
    }
    assert sweep_unevaluated() == 0


@pytest.mark.django_db(transaction=True)
def test_broker_unreachable_recording_succeeds_and_the_sweep_raises_the_alert(caplog):
    with celery_broker("redis://127.0.0.1:1/0"):  # nothing listens on port 1
        started = time.monotonic()
        record = _low_record()
        elapsed = time.monotonic() - started
    assert SatisfactionRecord.objects.filter(pk=record.pk, alerts_evaluated_at__isnull=True).exists()
    assert not SatisfactionAlert.objects.exists()
    assert "periodic jobs will catch up" in caplog.text
    assert elapsed < 5, f"publishing to a dead broker held the request for {elapsed:.1f}s"
    assert sweep_unevaluated() == 1
    assert SatisfactionAlert.objects.get().record_id == record.pk


# --- PostgreSQL: concurrent evaluation --------------------------------------------------------------------------


def _in_threads(n: int, target):
    barrier, results, errors = threading.Barrier(n), [None] * n, []

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = target(i)
        except Exception as exc:  # noqa: BLE001 - collected and asserted in the main thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_threads_evaluating_the_same_record_raise_one_alert():
    record = f.RecordFactory(score=Decimal("1.5"))
    results = _in_threads(6, lambda i: evaluate_record(record_id=record.pk))
    assert sum(r is not None for r in results) == 1
    alert = SatisfactionAlert.objects.get()
    assert alert.occurrences == 1 and alert.status == "open"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_threads_evaluating_one_scope_share_one_open_alert():
    customer = f.CustomerFactory()
    records = [f.RecordFactory(customer=customer, score=Decimal("3.0")) for _ in range(4)]
    _in_threads(4, lambda i: evaluate_record(record_id=records[i].pk))
    alert = SatisfactionAlert.objects.get(kind="low_score")
    assert alert.occurrences == 4
    assert sorted(alert.evidence["record_ids"]) == sorted(r.pk for r in records)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_threads_raising_one_window_rule_scope_open_one_alert(service_types):
    finding = Finding(
        kind="significant_drop",
        dedupe_key=f"significant_drop:service:{service_types['data_analysis'].pk}",
        severity="medium",
        value=0.5,
        threshold=0.9,
        message_en="drop",
        message_zh="下降",
        service_type_id=service_types["data_analysis"].pk,
    )
    outcomes = _in_threads(8, lambda i: alert_raise(finding=finding)[1])
    assert sorted(outcomes) == ["opened"] + ["updated"] * 7
    alert = SatisfactionAlert.objects.get()
    assert alert.occurrences == 8


# --- a real worker on Redis -------------------------------------------------------------------------------------


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_real_worker_raises_the_alert_within_ten_seconds():
    broker = redis_url_for_this_worker()
    flush_redis(broker)
    with running_worker(broker), celery_broker(broker):
        started = time.monotonic()
        record = _low_record()
        assert wait_for(lambda: SatisfactionAlert.objects.filter(record=record).exists(), ALERT_TIMEOUT)
        latency = time.monotonic() - started
    assert latency < ALERT_TIMEOUT
    record.refresh_from_db()
    assert record.alerts_evaluated_at is not None
    assert SatisfactionAlert.objects.get(record=record).severity == "critical"


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_the_sweep_finishes_with_nothing_lost_or_duplicated():
    broker = redis_url_for_this_worker()
    flush_redis(broker)
    total = 150
    with celery_broker(broker):
        # The batch is queued first; then a one-process worker starts on it and is killed part-way.
        records = [_low_record(score="2.0") for _ in range(total)]
        worker = Worker(broker, concurrency=1)
        try:
            worker.wait_ready()
            assert wait_for(lambda: SatisfactionAlert.objects.count() >= 5, 20, interval=0.01)
            worker.kill()
        finally:
            worker.stop()
            connection.close()
        done_before_crash = SatisfactionRecord.objects.filter(alerts_evaluated_at__isnull=False).count()
        assert 0 < done_before_crash < total, "the worker was meant to die part-way through the batch"
        # The messages still queued (and the one the dead worker held) are lost with the broker's state.
        flush_redis(broker)
        from satisfaction.alerts.tasks import evaluate_record as evaluate_record_task
        from satisfaction.alerts.tasks import sweep_unevaluated_alerts

        with running_worker(broker):
            sweep_unevaluated_alerts.delay()
            assert wait_for(
                lambda: not SatisfactionRecord.objects.filter(alerts_evaluated_at__isnull=True).exists(), 30
            )
            # Redelivery of already evaluated records (acks_late after a crash) changes nothing.
            for record in records[:20]:
                evaluate_record_task.delay(record.pk)
            time.sleep(2)
    alerts = SatisfactionAlert.objects.filter(kind="low_score")
    assert alerts.count() == total
    assert sorted(alerts.values_list("record_id", flat=True)) == sorted(r.pk for r in records)
    assert set(alerts.values_list("occurrences", flat=True)) == {1}


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_broker_down_then_up_the_periodic_sweep_task_raises_the_alert():
    with celery_broker("redis://127.0.0.1:1/0"):
        record = _low_record()
    assert not SatisfactionAlert.objects.exists()
    broker = redis_url_for_this_worker()
    flush_redis(broker)
    from satisfaction.alerts.tasks import sweep_unevaluated_alerts

    with running_worker(broker), celery_broker(broker):
        sweep_unevaluated_alerts.delay()
        assert wait_for(lambda: SatisfactionAlert.objects.filter(record=record).exists(), ALERT_TIMEOUT)
