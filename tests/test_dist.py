"""The distribution as a user gets it. Build the sdist and, from it, the wheel (`python -m
build`, as a packager would); check that the wheel holds every file the product reads and the
licences, and nothing of the tests or benchmarks; install it into a fresh venv outside the
repository, make the installed package read-only, and from an empty directory run the
installed `cnn-simulator`: --version, a one-epoch `train` (≥ 97%), `lecture --export` and
`lesson --export` under SDL's dummy driver, `export` without its extra (one line saying how to
add it) and `app` without a display. Nothing may appear or change inside the venv's
site-packages; Numba's cache must be in the user's cache.

Read-only: chmod -R a-w on site-packages; as root, whom chmod does not stop, each command runs
in its own mount namespace where site-packages is bind-mounted read-only (`unshare -m`). Where
root cannot do that either, only the before/after comparison of site-packages holds.
Slow by nature (~2 minutes: two isolated builds, a pip install, a cold Numba compile)."""
from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

import pytest

import simulator
from simulator import paths

ROOT = Path(__file__).resolve().parents[1]
READ_ONLY = 'mount --bind -o ro "$0" "$0" && exec "$@"'     # sh -c: $0 is site-packages
REQUIRED_IN_WHEEL = [                      # the product cannot run, or may not be shipped, without these
    "simulator/assets/mnist/train-images-idx3-ubyte.gz", "simulator/assets/mnist/train-labels-idx1-ubyte.gz",
    "simulator/assets/mnist/t10k-images-idx3-ubyte.gz", "simulator/assets/mnist/t10k-labels-idx1-ubyte.gz",
    "simulator/assets/mnist/ATTRIBUTION.md", "simulator/assets/fonts/DejaVuSans.ttf",
    "simulator/assets/fonts/LICENSE-DejaVu.txt", "simulator/assets/model/lenet5-mnist.npz",
    "simulator/assets/images/shapes.png", "simulator/__main__.py", "simulator/cli.py",
]
LICENCES = ["LICENSE", "THIRD-PARTY-NOTICES.md", "simulator/assets/fonts/LICENSE-DejaVu.txt",
            "simulator/assets/mnist/ATTRIBUTION.md"]


def source_files() -> list[str]:
    """The files a clone has (tracked, or new and not ignored); without git, the tree less the
    usual litter."""
    try:
        out = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout
        return [f for f in out.split("\0") if f and (ROOT / f).is_file()]
    except (OSError, subprocess.CalledProcessError):
        skip = {".git", ".venv", "build", "dist", "runs", "pictures", "__pycache__", ".pytest_cache"}
        return [str(p.relative_to(ROOT)) for p in ROOT.rglob("*")
                if p.is_file() and not skip & set(p.relative_to(ROOT).parts) and p.suffix not in (".nbi", ".nbc", ".pyc")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(sdist, wheel) built from a copy of the source files, so the clone itself is not written."""
    base = tmp_path_factory.mktemp("dist")
    src = base / "src"
    for name in source_files():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, src / name)
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(base / "out"), str(src)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    sdists, wheels = sorted((base / "out").glob("*.tar.gz")), sorted((base / "out").glob("*.whl"))
    assert len(sdists) == 1 and len(wheels) == 1, list((base / "out").iterdir())
    return sdists[0], wheels[0]


def test_wheel_holds_everything_the_product_reads_and_the_licences(built):
    _, wheel = built
    names = zipfile.ZipFile(wheel).namelist()
    assets = [f for f in source_files() if f.startswith("simulator/assets/")]
    assert {f for f in REQUIRED_IN_WHEEL if "/assets/" in f} <= set(assets), "the source tree lost an asset"
    missing = [f for f in assets + REQUIRED_IN_WHEEL if f not in names]
    assert not missing, missing
    dist_info = next(n.split("/")[0] for n in names if n.split("/")[0].endswith(".dist-info"))
    licences = [f"{dist_info}/licenses/{name}" for name in LICENCES]
    assert set(licences) <= set(names), sorted(n for n in names if "licenses" in n)
    with zipfile.ZipFile(wheel) as z:
        assert z.read("simulator/assets/model/lenet5-mnist.npz") == paths.BUNDLED_MODEL.read_bytes()
        assert z.read(f"{dist_info}/licenses/LICENSE") == (ROOT / "LICENSE").read_bytes()
        assert "cnn-simulator = simulator.cli:main" in z.read(f"{dist_info}/entry_points.txt").decode()
        metadata = z.read(f"{dist_info}/METADATA").decode()
    assert f"Version: {simulator.__version__}\n" in metadata
    assert {n.split("/")[0] for n in names} == {"simulator", dist_info}, "only the package and its metadata"
    litter = [n for n in names if re.search(r"(__pycache__|\.pyc$|\.nbi$|\.nbc$|egg-info)", n)]
    assert not litter, litter


def test_sdist_holds_the_package_data_the_licences_and_the_readme(built):
    sdist, _ = built
    with tarfile.open(sdist) as t:
        names = {n.split("/", 1)[1] for n in t.getnames() if "/" in n}
    needed = {"pyproject.toml", "README.md", "CHANGELOG.md", *LICENCES, *REQUIRED_IN_WHEEL}
    assert needed <= names, sorted(needed - names)


def _snapshot(folders: list[Path]) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime_ns) for folder in folders for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def installed(built):
    """A fresh venv in a temporary folder outside the repository with the wheel installed and
    its site-packages read-only; yields (venv, site-packages, home, workdir, command prefix)."""
    _, wheel = built
    base = Path(tempfile.mkdtemp(prefix="cnn-simulator-dist-"))
    assert not base.resolve().is_relative_to(ROOT)
    try:
        venv = base / "venv"
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
        proc = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "install", "-q", str(wheel)],
                              capture_output=True, text=True, timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        site = Path(subprocess.run([str(venv / "bin" / "python"), "-c", "import simulator, pathlib; "
                                    "print(pathlib.Path(simulator.__file__).parent.parent)"],
                                   capture_output=True, text=True, check=True, cwd=base).stdout.strip())
        assert (site / "simulator").is_dir() and list(site.glob("cnn_simulator-*.dist-info")), site
        for p in [site, *site.rglob("*")]:
            if not p.is_symlink():
                p.chmod(p.stat().st_mode & ~0o222)
        prefix = []
        if os.geteuid() == 0:
            try:
                probe = subprocess.run(["unshare", "-m", "sh", "-c", READ_ONLY, str(site), "touch", str(site / "probe")],
                                       capture_output=True, text=True).stderr
            except OSError as e:
                probe = str(e)
            if "Read-only" in probe:
                prefix = ["unshare", "-m", "sh", "-c", READ_ONLY, str(site)]
            else:
                print(f"site-packages not made read-only for root ({probe.strip()}): comparing only")
                (site / "probe").unlink(missing_ok=True)
        home, work = base / "home", base / "work"
        home.mkdir()
        work.mkdir()
        yield venv, site, home, work, prefix
    finally:
        for p in base.rglob("*"):                          # give the write bits back, to delete it
            if not p.is_symlink():
                p.chmod(p.stat().st_mode | 0o200)
        shutil.rmtree(base, ignore_errors=True)


def test_the_installed_program_runs_from_an_empty_directory_and_writes_nothing_into_itself(installed):
    venv, site, home, work, prefix = installed
    before = _snapshot([site])
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8"}

    def run(*args, timeout=600, status=0, **extra):
        proc = subprocess.run([*prefix, *args], cwd=work, env={**env, **extra}, capture_output=True,
                              text=True, timeout=timeout)
        assert proc.returncode == status, (args, proc.stdout[-2000:], proc.stderr[-3000:])
        assert "Traceback" not in proc.stderr, proc.stderr
        return proc

    version = f"cnn-simulator {simulator.__version__}\n"
    assert run("cnn-simulator", "--version").stdout == version
    assert run(str(venv / "bin" / "python"), "-m", "simulator", "--version").stdout == version

    proc = run("cnn-simulator", "train", "--epochs", "1")     # the bundled MNIST, found inside the package
    accuracy = float(re.search(r"finished: 1 epochs, test accuracy ([0-9.]+)%", proc.stdout).group(1))
    assert accuracy >= 97.0, proc.stdout
    metrics = list(work.glob("runs/*/metrics.csv"))
    assert len(metrics) == 1 and (metrics[0].parent / "checkpoint.npz").is_file(), list(work.rglob("*"))
    with open(metrics[0]) as f:
        rows = list(csv.DictReader(f))
    assert abs(float(rows[-1]["test_acc"]) * 100 - accuracy) < 0.01, rows[-1]

    run("cnn-simulator", "lecture", "--export", "steps", "--checkpoint", "bundled", SDL_VIDEODRIVER="dummy")
    pngs = sorted((work / "steps").glob("*.png"))
    assert len(pngs) >= 40 and all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in pngs), pngs[:3]

    run("cnn-simulator", "lesson", "pooling", "--export", "pooling.png", SDL_VIDEODRIVER="dummy")
    assert (work / "pooling.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    proc = run("cnn-simulator", "export", "bundled", "lenet5.onnx", status=2)     # the onnx extra is not installed
    assert proc.stderr.strip().splitlines() == [
        "error: exporting to ONNX needs the onnx package: pip install 'cnn-simulator[onnx]' "
        "(installed with pipx: pipx inject cnn-simulator onnx onnxruntime)"]

    proc = run("cnn-simulator", "app", "--subset", "600")
    assert proc.stderr.splitlines()[0] == "no display found: training headless instead (cnn-simulator train)"
    assert len(list(work.glob("runs/*/checkpoint.npz"))) == 2

    after = _snapshot([site])
    assert after == before, sorted(set(after.items()) ^ set(before.items()))[:10]
    numba_cache = home / ".cache" / "cnn-simulator" / "numba"
    assert len(list(numba_cache.rglob("*.nbi"))) >= 10, "Numba's cache is not in the user's cache"
