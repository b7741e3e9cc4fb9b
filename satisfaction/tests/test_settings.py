"""Settings refuse to start in production mode without a strong SECRET_KEY."""

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


def test_production_mode_refuses_a_short_or_known_secret_key():
    # Probe finding 13: DEBUG=0 started with SECRET_KEY=abc.
    for weak in ("abc", "x" * 60, "django-insecure-development-only-key-do-not-use-in-production"):
        result = _run_check(DEBUG="0", ALLOWED_HOSTS="example.com", SECRET_KEY=weak)
        assert result.returncode != 0 and "SECRET_KEY" in result.stderr, weak


def test_production_mode_starts_with_a_strong_secret_key():
    result = _run_check(DEBUG="0", ALLOWED_HOSTS="example.com", SECRET_KEY="k3J-9xQ_vP2mZ8rT" * 4)
    assert result.returncode == 0, result.stderr
