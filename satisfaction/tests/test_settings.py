"""Settings refuse to start in production mode without a SECRET_KEY."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_check(**env):
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environ.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


def test_missing_secret_key_in_production_refuses_to_start():
    result = _run_check(DEBUG="0", ALLOWED_HOSTS="example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_mode_starts_with_a_secret_key():
    result = _run_check(DEBUG="0", ALLOWED_HOSTS="example.com", SECRET_KEY="x" * 60)
    assert result.returncode == 0, result.stderr
