"""E-mail backends the real-worker tests give a Celery worker process through EMAIL_BACKEND."""

import os
import time
from pathlib import Path

from django.core.mail.backends.filebased import EmailBackend as FileBackend

HOLD_SECONDS = 60


class HoldingFileBackend(FileBackend):
    """Writes messages to EMAIL_FILE_PATH like the file backend, but while the file `$MAIL_HOLD_DIR/hold` exists it
    first announces itself (`sending-<pid>`) and waits: a send in flight the test can kill the worker in."""

    def send_messages(self, email_messages):
        hold_dir = Path(os.environ["MAIL_HOLD_DIR"])
        if (hold_dir / "hold").exists():
            (hold_dir / f"sending-{os.getpid()}").touch()
            deadline = time.monotonic() + HOLD_SECONDS
            while (hold_dir / "hold").exists() and time.monotonic() < deadline:
                time.sleep(0.05)
        return super().send_messages(email_messages)
