"""The Celery app. Tasks are discovered in the `tasks.py` of each package that has them.

Periodic schedules are declared in one place: CELERY_BEAT_SCHEDULE below.
"""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satisfaction_site.settings")

app = Celery("satisfaction")
app.config_from_object("django.conf:settings", namespace="CELERY")
# The domain packages are not installed apps of their own, so they are named here.
TASK_PACKAGES = [
    "satisfaction.alerts",
    "satisfaction.surveys",
    "satisfaction.imports",
    "satisfaction.recovery",
    "satisfaction.privacy",
    "analytics",
]
app.autodiscover_tasks(lambda: TASK_PACKAGES)

# Beat schedule: filled in by the apps that own the periodic work.
app.conf.beat_schedule = {}
# Alerts: catch up records never evaluated (broker down, worker died), and the window rules with risk scores.
app.conf.beat_schedule["alerts-sweep-unevaluated"] = {
    "task": "satisfaction.alerts.tasks.sweep_unevaluated_alerts",
    "schedule": 60.0,
}
app.conf.beat_schedule["alerts-window-rules"] = {
    "task": "satisfaction.alerts.tasks.run_window_rules",
    "schedule": 15 * 60.0,
}
# The drop detector: once a week, as backtested (the false-discovery control holds per run).
app.conf.beat_schedule["alerts-drift-detector"] = {
    "task": "satisfaction.alerts.tasks.run_drift_detector",
    "schedule": crontab(day_of_week=1, hour=6, minute=0),
}
# Recovery: open cases a lost hook missed, remind owners 24 h before due and managers once overdue (idempotent).
app.conf.beat_schedule["recovery-reminders"] = {
    "task": "satisfaction.recovery.tasks.recovery_reminders",
    "schedule": 15 * 60.0,
}
# Analytics: rebuild the daily snapshot table every night (repairs buckets a segment change or a lost task left stale).
app.conf.beat_schedule["analytics-rebuild-snapshots"] = {
    "task": "analytics.tasks.rebuild_snapshots",
    "schedule": crontab(hour=2, minute=15),
}
# Improvement loop: nightly suggestions, then measure evaluations (after the snapshot rebuild, off-peak).
app.conf.beat_schedule["improvements-generate-suggestions"] = {
    "task": "analytics.tasks.generate_improvement_suggestions",
    "schedule": crontab(hour=3, minute=0),
}
app.conf.beat_schedule["improvements-evaluate-measures"] = {
    "task": "analytics.tasks.evaluate_all_measures",
    "schedule": crontab(hour=3, minute=30),
}
# Surveys: send delayed invitations and reminders, and run the campaigns managers scheduled.
app.conf.beat_schedule["surveys-send-due"] = {
    "task": "satisfaction.surveys.tasks.send_due_surveys",
    "schedule": 5 * 60.0,
}
# Every minute: a campaign runs within a minute of its time (the check is one indexed query when none is due).
app.conf.beat_schedule["surveys-run-campaigns"] = {
    "task": "satisfaction.surveys.tasks.run_survey_campaigns",
    "schedule": 60.0,
}
# Imports: nightly, delete uploaded files and error reports older than IMPORT_FILE_RETENTION_DAYS.
app.conf.beat_schedule["imports-purge-files"] = {
    "task": "satisfaction.imports.tasks.purge_old_import_files",
    "schedule": crontab(hour=1, minute=45),
}
# Imports: every five minutes, jobs left running by a process that died (IMPORT_STALE_SECONDS) are marked failed.
app.conf.beat_schedule["imports-fail-stale-jobs"] = {
    "task": "satisfaction.imports.tasks.fail_stale_import_jobs",
    "schedule": crontab(minute="*/5"),
}
# Personal data: nightly, empty free text older than PERSONAL_TEXT_RETENTION_DAYS (off, and a no-op, by default).
app.conf.beat_schedule["privacy-expire-personal-text"] = {
    "task": "satisfaction.privacy.tasks.expire_personal_text",
    "schedule": crontab(hour=1, minute=30),
}
# Digests read analytics, so their tasks live in analytics/digests.py: import it so workers register them.
app.conf.imports = (*tuple(app.conf.imports or ()), "analytics.digests")
app.conf.beat_schedule["digests-weekly"] = {
    "task": "analytics.digests.send_weekly_digest_emails",
    "schedule": crontab(hour=8, minute=0, day_of_week="mon"),
}
app.conf.beat_schedule["digests-monthly"] = {
    "task": "analytics.digests.send_monthly_review_emails",
    "schedule": crontab(hour=8, minute=30, day_of_month="1"),
}
# Report subscriptions: daily, each subscription's PDF for its last complete week or month (once per period).
app.conf.beat_schedule["reports-subscriptions"] = {
    "task": "analytics.tasks.send_report_subscriptions",
    "schedule": crontab(hour=7, minute=0),
}
