"""Environment checks behind ``tito system doctor``: each says what it found and the fix."""

from __future__ import annotations

import gzip
import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from tito.authoring.export import authored, reference_files, stale_files
from tito.authoring.source import read_source
from tito.errors import USER_ERRORS
from tito.files import file_sha256
from tito.manifest import Course, DataFile, Dataset
from tito.project import Paths

OK, WARN, FAIL = "ok", "warn", "fail"
SETUP_FIX = "run 'make lab' (or: pip install -e '.[course]') in the TinyTorch checkout"

# Distribution name → what the course needs it for.
REQUIRED = {
    "numpy": "the tinytorch library",
    "jupytext": "reading module sources",
    "nbformat": "reading and writing notebooks",
    "nbgrader": "student notebooks, grading",
    "jupyterlab": "the course lab",
    "click": "the tito CLI",
    "rich": "the tito CLI",
    "pytest": "module tests",
}


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    detail: str
    fix: str = ""


def data_home() -> Path:
    """Where course data sets are cached: ``TINYTORCH_DATA`` or ``~/.cache/tinytorch``."""
    return Path(os.environ.get("TINYTORCH_DATA") or Path.home() / ".cache" / "tinytorch")


def _python() -> Check:
    # tito itself needs 3.11 to start (pyproject's requires-python), so this only reports.
    return Check("python", OK, f"{platform.python_version()} at {sys.executable}")


def _package(name: str, purpose: str) -> Check:
    try:
        return Check(name, OK, f"{importlib.metadata.version(name)} ({purpose})")
    except importlib.metadata.PackageNotFoundError:
        return Check(name, FAIL, f"not installed (needed for {purpose})", SETUP_FIX)


def _torch() -> Check:
    try:
        version = importlib.metadata.version("torch")
    except importlib.metadata.PackageNotFoundError:
        return Check("torch", WARN, "not installed: only the test suite's oracle needs it",
                     "pip install torch==2.13.0 (CPU wheel), or skip: TinyTorch never imports it")
    return Check("torch", OK, f"{version} (test oracle only)")


def _sandbox() -> Check:
    missing = [tool for tool in ("bwrap", "prlimit", "setpriv") if not shutil.which(tool)]
    if missing:
        return Check("sandbox", WARN, f"{', '.join(missing)} not found: grading needs them",
                     "apt-get install bubblewrap util-linux (students can skip this)")
    return Check("sandbox", OK, "bubblewrap, prlimit and setpriv found (for grading)")


def _sources(course: Course, paths: Paths) -> list[Check]:
    checks = []
    for module in authored(course, paths.modules_dir):
        try:
            read_source(module, paths.modules_dir)
        except USER_ERRORS as error:
            checks.append(Check(f"module {module.id}", FAIL, str(error), "fix the source"))
        else:
            checks.append(Check(f"module {module.id}", OK, "source is valid"))
    return checks


def _reference(course: Course, paths: Paths) -> Check:
    try:
        files = reference_files(course, paths.modules_dir, authored(course, paths.modules_dir))
    except USER_ERRORS as error:
        return Check("reference package", FAIL, str(error), "fix the module source")
    stale = stale_files(files, paths.root, course.package)
    if stale:
        return Check("reference package", FAIL, f"out of date: {', '.join(stale[:3])}",
                     "run 'tito export --all'")
    return Check("reference package", OK, f"{course.package}/ matches the module sources")


def _workspace(course: Course, paths: Paths) -> Check:
    if not (paths.workspace / course.package / "__init__.py").exists():
        return Check("workspace", WARN, f"no student workspace at {paths.workspace}",
                     "run 'make lab' or 'tito module start setup'")
    # -P: do not put the current directory first on the path (it may be the checkout, whose
    # reference package would hide the workspace copy), exactly as a kernel in the lab sees it.
    probe = subprocess.run(
        [sys.executable, "-P", "-c", f"import {course.package}; print({course.package}.__file__)"],
        env={**os.environ, "PYTHONPATH": str(paths.workspace)}, capture_output=True,
        text=True, encoding="utf-8", check=False)
    found = probe.stdout.strip()
    if probe.returncode != 0 or not found.startswith(str(paths.workspace)):
        return Check("workspace", FAIL, f"'import {course.package}' does not load the "
                     f"workspace copy (got {found or probe.stderr.strip()[-200:]})",
                     f"start Python with PYTHONPATH={paths.workspace} (tito lab does)")
    return Check("workspace", OK, f"your {course.package} at {Path(found).parent}")


# Where Debian's dataset-* packages install data sets (dataset-fashion-mnist: fashion-mnist/).
SYSTEM_DATA = Path("/usr/share/datasets")


def _dataset_copy(file: str) -> Path | None:
    """The first copy of a data set file in the cache or Debian's folder; ``<file>.gz`` counts
    as the file (course.toml: its sha256 is then of the decompressed content)."""
    for folder in (data_home(), SYSTEM_DATA):
        for path in (folder / file, folder / f"{file}.gz"):
            if path.is_file():
                return path
    return None


def _content_sha256(path: Path, file: str) -> str:
    if path.name == Path(file).name:
        return file_sha256(path)
    digest = hashlib.sha256()
    try:
        with gzip.open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
    except (OSError, EOFError):
        return "not a valid gzip file"
    return digest.hexdigest()


def _digits() -> Check:
    if importlib.util.find_spec("sklearn") is None:
        return Check("data: digits", WARN, "scikit-learn is not installed: the 8x8 digits "
                     "(tinytorch.core.dataloader.Digits) ship with it", "pip install scikit-learn")
    return Check("data: digits", OK, "the 8x8 digits ship with scikit-learn")


def _missing_fix(data_file: DataFile) -> str:
    """Where to put a file that is not cached: a download keeps its ``.gz``."""
    cached = data_home() / data_file.file
    name = data_file.url.rsplit("/", 1)[-1]
    target = cached.with_name(name) if name == f"{cached.name}.gz" else cached
    return f"put {data_file.url} at {target}"


def _dataset(dataset: Dataset) -> Check:
    """One row per data set: ok when every file is there with its checksum."""
    name = f"data: {dataset.id}"
    found = {f: _dataset_copy(f.file) for f in dataset.files}
    corrupt = [path for f, path in found.items()
               if path is not None and _content_sha256(path, f.file) != f.sha256]
    if corrupt:
        listed = ", ".join(map(str, corrupt))
        return Check(name, FAIL, f"wrong checksum: {listed}",
                     f"delete {listed}; it is downloaded again on first use")
    missing = [f for f, path in found.items() if path is None]
    if missing:
        users = ", ".join(dataset.used_by)
        return Check(name, WARN, f"{len(missing)} of {len(dataset.files)} files not cached "
                     f"in {data_home()}", f"downloaded on first use (modules {users}); "
                     f"offline, {'; '.join(_missing_fix(f) for f in missing)}")
    folders = sorted({str(path.parent) for path in found.values() if path is not None})
    return Check(name, OK, f"found in {', '.join(folders)}")


def _datasets(course: Course) -> list[Check]:
    return [_digits(), *(_dataset(dataset) for dataset in course.datasets.values())]


def run_checks(course: Course, paths: Paths) -> list[Check]:
    """Every check, in the order a person would fix them."""
    return [
        _python(),
        *(_package(name, purpose) for name, purpose in REQUIRED.items()),
        _torch(),
        _sandbox(),
        *_sources(course, paths),
        _reference(course, paths),
        _workspace(course, paths),
        *_datasets(course),
    ]
