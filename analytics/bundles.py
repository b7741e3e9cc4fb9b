"""The report bundle built as a job the report page polls: start, run (step by step), status, file.

A bundle takes seconds to build, so the page starts a job and polls it (like an import) instead of holding the
request. A job is a folder under MEDIA_ROOT/bundles/<token>/ with `status.json` (replaced atomically at each
step, so any web process reads a whole one) and, when ready, the zip. No table: a job lives for an hour and is
only ever read by the manager who started it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
import shutil
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from analytics.quality.report import BUNDLE_STEPS, write_bundle, zip_bundle
from core.background import run_in_background

logger = logging.getLogger(__name__)

TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
KEEP_SECONDS = 3600  # a finished bundle is kept this long for its download
# A job silent this long lost its process (a restart under a background thread); a step takes seconds.
STALE_SECONDS = 600

STEP_LABELS = {
    "queued": _("Waiting to start"),
    "numbers": _("Computing the comparison"),
    "tables": _("Writing the tables"),
    "charts": _("Drawing the charts"),
    "pdf": _("Rendering the PDF"),
    "json": _("Writing report.json and the zip"),
}


@dataclass
class BundleJob:
    """What `status.json` holds."""

    token: str
    owner_id: int
    priority: int
    lang: str
    state: str = "pending"  # pending → running → ready | failed
    step: str = "queued"
    done: int = 0  # steps begun so far (of `total`)
    total: int = len(BUNDLE_STEPS)
    error: str = ""

    @property
    def finished(self) -> bool:
        return self.state in ("ready", "failed")

    @property
    def percent(self) -> int:
        return 100 if self.state == "ready" else round(100 * self.done / (self.total + 1))

    @property
    def step_label(self) -> str:
        return str(STEP_LABELS.get(self.step, self.step))

    @property
    def filename(self) -> str:
        return f"service_quality_p{self.priority}_{self.lang}.zip"


def _root() -> Path:
    return Path(settings.MEDIA_ROOT) / "bundles"


def _folder(token: str) -> Path:
    if not TOKEN.match(token or ""):
        raise ValueError("not a bundle token")
    return _root() / token


def _write(job: BundleJob) -> None:
    folder = _folder(job.token)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".status-")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(asdict(job), out)
    os.replace(tmp, folder / "status.json")


def _read(token: str) -> BundleJob | None:
    try:
        path = _folder(token) / "status.json"
        job = BundleJob(**json.loads(path.read_text(encoding="utf-8")))
    except (ValueError, OSError, TypeError):
        return None
    if not job.finished and time.time() - path.stat().st_mtime > STALE_SECONDS:
        job.state, job.error = "failed", str(_("The bundle stopped: the process building it ended. Start it again."))
    return job


def bundle_job_start(*, user, priority: int, lang: str) -> BundleJob:
    """Create a bundle job for `user` and send it to be built (a worker, or a thread without a broker)."""
    from analytics.tasks import build_report_bundle

    _purge_old()
    job = BundleJob(token=secrets.token_urlsafe(18), owner_id=user.pk, priority=priority, lang=lang)
    _folder(job.token).mkdir(parents=True)
    _write(job)
    run_in_background(
        build_report_bundle, job.token, name=f"report-bundle-{job.token[:8]}", on_failure=lambda: _fail(job.token)
    )
    return _read(job.token) or job


def bundle_job_run(*, token: str) -> BundleJob | None:
    """Build the bundle of job `token`, writing each step into its status; a finished job is left alone."""
    job = _read(token)
    if job is None or job.finished:
        return job
    job.state = "running"

    def progress(step: str) -> None:
        job.step, job.done = step, BUNDLE_STEPS.index(step) + 1
        _write(job)

    folder = _folder(token)
    try:
        with tempfile.TemporaryDirectory(dir=folder) as tmp:
            paths = write_bundle(tmp, priority=job.priority, lang=job.lang, progress=progress)
            partial = folder / ".bundle.zip"
            zip_bundle(paths, partial)
            os.replace(partial, folder / "bundle.zip")
    except Exception as exc:
        # Written into the job for the page, not raised: run inline (eager), a raise would fail the request.
        logger.exception("Report bundle %s failed", token)
        job.state, job.error = "failed", str(_("The bundle could not be built: %(error)s") % {"error": exc})
        _write(job)
        return job
    job.state, job.done = "ready", job.total
    _write(job)
    return job


def bundle_job_status(*, token: str, user) -> BundleJob | None:
    """The job `token` if `user` started it, else None (a token is no key to someone else's bundle)."""
    job = _read(token)
    return job if job is not None and job.owner_id == user.pk else None


def bundle_job_file(*, token: str, user) -> Path | None:
    """The zip of a ready job `user` started, else None."""
    job = bundle_job_status(token=token, user=user)
    return _folder(token) / "bundle.zip" if job is not None and job.state == "ready" else None


def _fail(token: str) -> None:
    job = _read(token)
    if job is not None and not job.finished:
        job.state, job.error = "failed", str(_("The bundle stopped unexpectedly. Start it again."))
        _write(job)


def _purge_old() -> None:
    """Delete job folders older than KEEP_SECONDS: bundles are downloaded at once, not archived."""
    root = _root()
    if not root.is_dir():
        return
    cutoff = time.time() - KEEP_SECONDS
    for folder in root.iterdir():
        if folder.is_dir() and folder.stat().st_mtime < cutoff:
            shutil.rmtree(folder, ignore_errors=True)
