"""An import runs in a process that starts small: scipy (stats, special) and matplotlib are imported only when used.

Together they cost about 90 MB of a process's 300 MB budget (a million-row import), and neither is needed to
import a file. Checked in a fresh interpreter, since the test run itself has imported everything.
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import sys
import django
django.setup()
from satisfaction.imports.services import import_file  # noqa: F401 - what an import process loads
heavy = sorted(m for m in ("scipy.stats", "scipy.special", "matplotlib", "matplotlib.pyplot") if m in sys.modules)
print("heavy:" + ",".join(heavy))
from analytics.lib import stats
stats.chi_square([[5, 7], [9, 3]])  # used: then scipy.stats comes in
print("used:" + str("scipy.stats" in sys.modules))
"""


def test_django_setup_imports_neither_scipy_stats_nor_matplotlib():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "satisfaction_site.settings", "LOG_LEVEL": "WARNING"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    heavy, used = out.stdout.strip().splitlines()[-2:]
    assert heavy == "heavy:"
    assert used == "used:True"
