"""The embedded scheduler runs the beat schedule without a broker: due jobs run once per due time, across processes."""

import datetime as dt
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from satisfaction.schedules import scheduler
from satisfaction.schedules.models import JobRun
from satisfaction.schedules.schedule import Job
from satisfaction.schedules.services import job_run_claim
from satisfaction.surveys.models import SurveyCampaign, SurveyInvitation
from satisfaction.surveys.services import campaign_schedule
from satisfaction.tests.factories import ContactFactory, ContractFactory
from satisfaction_site.celery import app

ROOT = Path(__file__).resolve().parents[3]
CAMPAIGNS = "surveys-run-campaigns"
RUNS: list[int] = []


@app.task(name="satisfaction.schedules.tests.count_run")
def count_run(pause: float = 0.0) -> int:
    """A job for the tests: counts its runs (and can take a while, as a real job does)."""
    time.sleep(pause)
    RUNS.append(1)
    return len(RUNS)


@app.task(name="satisfaction.schedules.tests.fail_run")
def fail_run() -> None:
    raise ValueError("the mail server refused the connection")


def _campaign_due(minutes_ago: int = 10) -> SurveyCampaign:
    contract = ContractFactory()
    ContactFactory(customer=contract.customer, contact_priority=1)
    return campaign_schedule(name="Q4 pulse", next_run_at=timezone.now() - dt.timedelta(minutes=minutes_ago))


def _only(name: str) -> list[Job]:
    return [job for job in scheduler.beat_jobs() if job.name == name]


@pytest.mark.django_db
def test_a_campaign_due_ten_minutes_ago_runs_on_the_next_tick_and_once():
    campaign = _campaign_due()
    [run] = scheduler.tick(jobs=_only(CAMPAIGNS))
    campaign.refresh_from_db()
    assert campaign.last_run_at is not None and not campaign.is_active
    assert SurveyInvitation.objects.filter(campaign=campaign).count() == 1
    assert (run.job, run.ok, run.result, run.error) == (CAMPAIGNS, True, "1", "")
    assert run.due_at <= run.started_at < run.due_at + dt.timedelta(minutes=1)  # within the minute it fell due
    assert scheduler.tick(jobs=_only(CAMPAIGNS)) == []  # same due time: claimed already
    later = scheduler.tick(now=run.due_at + dt.timedelta(seconds=61), jobs=_only(CAMPAIGNS))
    assert [r.due_at - run.due_at for r in later] == [dt.timedelta(minutes=1)]


@pytest.mark.django_db
def test_every_interval_job_of_the_beat_schedule_runs_and_records_its_result():
    now = timezone.now()
    runs = scheduler.tick(now=now)
    intervals = {job.name for job in scheduler.beat_jobs() if job.is_interval}
    assert {run.job for run in runs} >= intervals
    failed = {run.job: run.error for run in runs if not run.ok}
    assert failed == {}


@pytest.mark.django_db
def test_a_nightly_job_missed_long_ago_waits_for_its_next_time_but_one_just_due_runs():
    nightly = _only("analytics-rebuild-snapshots")
    due = scheduler.last_due(nightly[0], timezone.now())
    assert scheduler.tick(now=due + dt.timedelta(hours=5), jobs=nightly) == []  # the site was down at 02:15
    [run] = scheduler.tick(now=due + dt.timedelta(seconds=30), jobs=nightly)
    assert run.ok and run.due_at == due


@pytest.mark.django_db
def test_a_failing_job_records_its_error_and_the_others_still_run():
    jobs = [Job("broken", "satisfaction.schedules.tests.fail_run", 60.0), *_only(CAMPAIGNS)]
    _campaign_due()
    broken, campaigns = scheduler.tick(jobs=jobs)
    assert broken.ok is False and broken.error == "ValueError: the mail server refused the connection"
    assert broken.finished_at is not None and campaigns.ok


@pytest.mark.django_db
def test_a_claim_for_a_due_time_is_refused_while_an_earlier_run_goes_on():
    now = timezone.now()
    first = job_run_claim(job="long", due_at=now - dt.timedelta(minutes=1), now=now)
    assert first is not None
    assert job_run_claim(job="long", due_at=now, now=now) is None  # still running: not a second copy
    JobRun.objects.filter(pk=first.pk).update(started_at=now - dt.timedelta(hours=1))  # that process died
    assert job_run_claim(job="long", due_at=now, now=now) is not None


def _two_schedulers_at_once(now):
    """Two ticks (as two web processes would) for the same due time, started together."""
    jobs = [Job("count", "satisfaction.schedules.tests.count_run", 60.0, kwargs={"pause": 0.2})]
    barrier = threading.Barrier(2)
    made, errors = [], []

    def one():
        try:
            barrier.wait()
            made.extend(scheduler.tick(now=now, jobs=jobs))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=one) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return made, errors


TWO_PROCESS_SCRIPT = """
import datetime as dt, os, sys, time
import django
django.setup()
from satisfaction.schedules import scheduler
from satisfaction.schedules.schedule import Job
from satisfaction_site.celery import app

@app.task(name="count_run")
def count_run():
    time.sleep(0.3)  # a job that takes a while, so the other process tries while it runs
    with open(sys.argv[1], "a") as out:
        out.write(f"{os.getpid()}\\n")

now = dt.datetime.fromtimestamp(float(sys.argv[2]), tz=dt.UTC)
while time.time() < float(sys.argv[3]):  # both processes start their tick at the same moment
    time.sleep(0.005)
made = scheduler.tick(now=now, jobs=[Job("count", "count_run", 60.0)])
print(len(made))
"""


def test_two_scheduler_processes_on_one_sqlite_file_run_a_due_job_once(tmp_path):
    """Two web processes (two interpreters) on one SQLite file, as `make run` with two servers would be."""
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL",)}
    environ.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'site.sqlite3'}", DJANGO_SETTINGS_MODULE="satisfaction_site.settings"
    )
    migrate = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=environ, capture_output=True, timeout=300
    )
    assert migrate.returncode == 0, migrate.stderr
    script, runs = tmp_path / "tick.py", tmp_path / "runs.txt"
    script.write_text(TWO_PROCESS_SCRIPT)
    now, start = time.time(), time.time() + 8
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(runs), str(now), str(start)],
            cwd=ROOT, env={**environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]  # fmt: skip
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), [err for _, err in outputs]
    assert sorted(out.strip() for out, _ in outputs) == ["0", "1"]  # one process ran it, the other found it claimed
    assert len(runs.read_text().splitlines()) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_schedulers_on_postgresql_run_a_due_job_once():
    RUNS.clear()
    now = timezone.now()
    made, errors = _two_schedulers_at_once(now)
    assert errors == []
    assert len(RUNS) == 1 and len(made) == 1
    assert JobRun.objects.filter(job="count").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_scheduler_thread_runs_a_campaign_that_was_due(settings):
    settings.SCHEDULER_TICK_SECONDS = 0.2
    settings.SCHEDULER_EMBEDDED = True
    campaign = _campaign_due()
    thread = scheduler.EmbeddedScheduler()
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            campaign.refresh_from_db()
            if campaign.last_run_at:
                break
            time.sleep(0.2)
    finally:
        thread.stop()
        thread.join(30)
    assert campaign.last_run_at is not None
    assert JobRun.objects.get(job=CAMPAIGNS).ok
    assert thread.ticks >= 1 and not thread.is_alive()


@override_settings(SCHEDULER_EMBEDDED=False)
def test_with_a_broker_the_embedded_scheduler_stays_off():
    assert scheduler.start_embedded_scheduler() is None


def _threads_after_loading_wsgi(tmp_path, **env):
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("SCHEDULER_EMBEDDED", "CELERY_BROKER_URL")}
    environ.update(DATABASE_URL=f"sqlite:///{tmp_path / 'empty.sqlite3'}", SCHEDULER_TICK_SECONDS="3600", **env)
    code = (
        "import threading, django\n"
        "import satisfaction_site.wsgi\n"
        "print(sorted(t.name for t in threading.enumerate()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_serving_process_starts_the_thread_and_a_broker_keeps_it_off(tmp_path):
    assert "embedded-scheduler" in _threads_after_loading_wsgi(tmp_path)
    assert "embedded-scheduler" not in _threads_after_loading_wsgi(tmp_path, CELERY_BROKER_URL="redis://127.0.0.1:1/0")
    assert "embedded-scheduler" not in _threads_after_loading_wsgi(tmp_path, SCHEDULER_EMBEDDED="false")


def test_management_commands_do_not_start_it(tmp_path):
    import os

    environ = {k: v for k, v in os.environ.items() if k != "SCHEDULER_EMBEDDED"}
    environ["DATABASE_URL"] = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    code = (
        "import threading, django, os\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'satisfaction_site.settings')\n"
        "django.setup()\n"
        "from django.core.management import call_command\n"
        "call_command('check')\n"
        "print(sorted(t.name for t in threading.enumerate()))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "embedded-scheduler" not in result.stdout


# --- the jobs page and the admin ---


@pytest.mark.django_db
def test_the_jobs_page_shows_each_jobs_last_and_next_run(client, manager_user, staff_user, settings):
    settings.SCHEDULER_EMBEDDED = True  # the embedded default of `make run` (the test settings turn the thread off)
    _campaign_due()
    scheduler.tick(jobs=[Job("broken", "satisfaction.schedules.tests.fail_run", 60.0), *_only(CAMPAIGNS)])
    client.force_login(manager_user)
    page = client.get(reverse("jobs")).content.decode()
    for job in scheduler.beat_jobs():
        assert f'data-job="{job.name}"' in page
    row = page.split(f'data-job="{CAMPAIGNS}"')[1].split("</tr>")[0]
    assert 'data-state="ok"' in row and "succeeded" in row and "—" not in row.split('data-testid="last-run"')[1]
    assert 'data-state="never"' in page.split('data-job="analytics-rebuild-snapshots"')[1].split(">")[0]
    assert "runs these jobs itself" in page
    settings.SCHEDULER_EMBEDDED = False  # a broker configured: beat runs them, and the page says so
    assert "Celery beat and the workers run these jobs" in client.get(reverse("jobs")).content.decode()
    client.force_login(staff_user)
    assert client.get(reverse("jobs")).status_code == 403


@pytest.mark.django_db
def test_the_admin_lists_the_jobs_with_their_runs_and_errors(client, admin_user):
    scheduler.tick(jobs=[Job("broken", "satisfaction.schedules.tests.fail_run", 60.0)])
    client.force_login(admin_user)
    page = client.get(reverse("admin:satisfaction_jobrun_changelist")).content.decode()
    assert 'data-testid="admin-jobs"' in page and f'data-job="{CAMPAIGNS}"' in page
    assert "the mail server refused the connection" in page
