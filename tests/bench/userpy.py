"""The interpreter a user's install gives, for the benchmarks that time whole `mhv` processes.

This project's own venv is made by `pip install -e '.[dev]'`, and setuptools' editable install
puts a finder in site-packages that a `.pth` file imports at every interpreter start (with pathlib,
importlib.util, fnmatch, re, urllib.parse): ~13 ms of CPU before any mhv code runs (`python -c pass`:
22.7 ms user in the dev venv, 9.6 ms in a plain one). The README installs users with `pip install .`,
which has no finder. `user_python()` is a venv without pip whose site-packages holds one `.pth` line:
the dev venv's site-packages directory. Python adds that directory to the path but does not run the
`.pth` files inside it, so the dependencies are the same files, the finder never loads, and mhv itself
comes from the checkout the runner puts first on the path (each bench's RUNNER / LAUNCH).

``MHV_BENCH_PYTHON=dev`` times with the dev venv's interpreter instead (what the benches did before
session 15).
"""

from __future__ import annotations

import hashlib
import os
import sys
import sysconfig
import venv
from pathlib import Path


def user_python() -> str:
    if os.environ.get("MHV_BENCH_PYTHON") == "dev":
        return sys.executable
    purelib = sysconfig.get_paths()["purelib"]
    key = hashlib.sha256(f"{sys.executable}\0{purelib}".encode()).hexdigest()[:12]
    target = Path("/tmp") / f"mhv-userpy-{key}"
    python = target / "bin" / "python"
    if not python.exists():
        venv.create(target, with_pip=False, symlinks=True)
    site = Path(sysconfig.get_paths(vars={"base": str(target), "platbase": str(target)})["purelib"])
    pth = site / "mhv-bench-deps.pth"
    if not pth.exists() or pth.read_text().strip() != purelib:
        pth.write_text(purelib + "\n")
    return str(python)


if __name__ == "__main__":
    print(user_python())
