"""Fixtures shared by the test suite: the real course, a scratch copy of it, and tito."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from sandbox import ONE_BLAS_THREAD
from tests.postgres import PostgresServer, postgres_server
from tests.servers import worker_number
from tito.authoring.export import authored
from tito.grading.batch import SLOT_VARIABLE
from tito.grading.course_dir import CourseDir
from tito.manifest import Course, Module, load_course
from tito.project import PROJECT_ROOT

TITO = [sys.executable, "-m", "tito"]
SLOTS_PER_WORKER = 16  # below test_hostile's fork-bomb slots


def pytest_configure(config: pytest.Config) -> None:
    """Each xdist worker grades in slots of its own (:func:`current_slot`): sandboxes of
    the same slot share a uid and a cgroup, so one test's limits would hold for the
    other's. And each has one BLAS thread: the workers already take every core, and
    OpenBLAS's threads spin while they wait for a core (set in the controller, before it
    starts its workers)."""
    os.environ[SLOT_VARIABLE] = str(SLOTS_PER_WORKER * worker_number())
    for variable, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(variable, value)


@pytest.fixture(scope="session")
def course() -> Course:
    return load_course(PROJECT_ROOT / "course" / "course.toml")


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for this test process (one per xdist worker); tests take
    their own database with ``postgres.create_database(name)``."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def modules_dir() -> Path:
    return PROJECT_ROOT / "course" / "modules"


def authored_modules() -> list[Module]:
    """The modules that have a source: every module test runs once per authored module."""
    course = load_course(PROJECT_ROOT / "course" / "course.toml")
    return authored(course, PROJECT_ROOT / "course" / "modules")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "module" in metafunc.fixturenames:
        modules = authored_modules()
        metafunc.parametrize("module", modules, ids=[m.id for m in modules])


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory, course: Course,
              modules_dir: Path) -> CourseDir:
    """A real nbgrader course directory with every authored module generated."""
    course_dir = CourseDir(tmp_path_factory.mktemp("course"), course, modules_dir)
    for module in authored(course, modules_dir):
        course_dir.generate(module)
    return course_dir


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A scratch copy of the checkout's course and package, for tests that change files."""
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "course", root / "course",
                    ignore=shutil.ignore_patterns("__pycache__", "tito"))
    shutil.copytree(PROJECT_ROOT / "tinytorch", root / "tinytorch",
                    ignore=shutil.ignore_patterns("__pycache__"))
    return root


Tito = Callable[..., subprocess.CompletedProcess]


@pytest.fixture
def tito(tmp_path: Path) -> Tito:
    """Run the real ``tito`` command in a subprocess; by default on a scratch workspace and
    course directory. Pass ``root=`` to point it at a project copy."""

    def run(*args: str, root: Path | None = None, workspace: Path | None = None,
            input: str | None = None, env: dict[str, str] | None = None
            ) -> subprocess.CompletedProcess:
        environment = {
            **os.environ,
            "TITO_WORKSPACE": str(workspace or tmp_path / "workspace"),
            "TITO_COURSE_DIR": str(tmp_path / "instructor"),
            "TITO_CACHE": str(tmp_path / "cache"),
            "TITO_EXCHANGE": str(tmp_path / "exchange"),
            "PATH": os.pathsep.join([sysconfig.get_path("scripts"), os.environ["PATH"]]),
            "COLUMNS": "200",
            **(env or {}),
        }
        if root is not None:
            environment["TITO_ROOT"] = str(root)
        return subprocess.run([*TITO, *args], env=environment, capture_output=True, text=True,
                              encoding="utf-8", input=input, timeout=300, check=False)

    return run
