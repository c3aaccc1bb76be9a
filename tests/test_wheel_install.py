"""A non-editable install carries what the node ships: the review frameworks and the example
config are package data, so `democite review frameworks` lists them from a wheel.

The wheel is built from this checkout without network (--no-build-isolation) and installed into a
fresh virtual environment without its dependencies; the test's own site-packages are put behind
it by a .pth file, so the project's modules can only come from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_a_wheel_install_lists_the_review_frameworks(tmp_path: Path) -> None:
    # built from a copy: setuptools builds in the source tree (build/), where a stale build/lib
    # from an older checkout would be packed into the wheel too
    src = tmp_path / "src"
    shutil.copytree(ROOT, src, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", ".git", ".venv", "__pycache__",
                                                             ".mypy_cache", ".ruff_cache", ".hypothesis", ".pytest_cache"))
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", str(src), "-w", str(wheels)],
                   check=True, capture_output=True, timeout=300)
    (wheel,) = wheels.glob("democite-*.whl")
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    py = env_dir / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               check=True, capture_output=True, text=True).stdout.strip())
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    # the dependencies (aiohttp, pynacl...) from the running environment, after the wheel's modules
    (site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "DEMOCITE_DATA")}
    run = tmp_path / "elsewhere"
    run.mkdir()
    where = subprocess.run([str(py), "-c", "import configs, federation.coop.review as r; print(configs.__file__); print(r.PROJECT_FRAMEWORKS)"],
                           check=True, capture_output=True, text=True, cwd=run, env=env).stdout.split()
    assert all(w.startswith(str(site)) for w in where), where  # not the checkout
    out = subprocess.run([str(py), "-c", "import cli; cli.main()", "review", "frameworks", "--data", str(tmp_path / "none")],
                         capture_output=True, text=True, cwd=run, env=env)
    assert out.returncode == 0, out.stderr
    assert "democite21" in out.stdout, out.stdout
    assert (site / "configs" / "node.toml").is_file()
