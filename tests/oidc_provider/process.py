"""Start the test provider in a subprocess on a free 127.0.0.1 port, with a fresh RSA key and SQLite file."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Provider:
    url: str
    env: dict

    @property
    def issuer(self) -> str:
        return f"{self.url}/o"

    def seed(self, spec: dict) -> None:
        """Create or update the client and people (see seed.py)."""
        _run([sys.executable, "-m", "tests.oidc_provider.seed", json.dumps(spec)], self.env)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed:\n{result.stdout}\n{result.stderr}")


@contextlib.contextmanager
def running_provider(workdir: Path):
    """Yield a Provider serving OpenID Connect at http://127.0.0.1:<port>/o until the block ends."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_URL", "OIDC_", "DJANGO_SETTINGS_MODULE"))
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.oidc_provider.settings",
        PROVIDER_DB=str(workdir / "provider.sqlite3"),
        PROVIDER_RSA_KEY=pem,
        PYTHONPATH=str(ROOT),
    )
    _run([sys.executable, "-m", "django", "migrate", "--noinput", "-v0"], env)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(workdir / "provider.log", "w")  # noqa: SIM115 - open for the life of the process
    server = subprocess.Popen(
        [sys.executable, "-m", "django", "runserver", "--noreload", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(f"{url}/o/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the test provider did not start:\n{(workdir / 'provider.log').read_text()}")
            time.sleep(0.2)
        yield Provider(url=url, env=env)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
