"""The tooling works installed from its wheel, not only from the checkout: the wheel holds
the course content and every file the tools read at run time (and no tests or hub state),
and a venv with only the wheel installed runs a module's course cycle on a course directory
outside the checkout, grading in the sandbox."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sysconfig
import zipfile
from pathlib import Path

import nbformat
import pytest

from tests.grading.submissions import submission
from tito.files import write_notebook
from tito.project import PROJECT_ROOT

pytestmark = pytest.mark.slow

EXTENSION = "@tinytorch/lab"
EXTENSION_BUILD = PROJECT_ROOT / "labextension" / "dist"  # make labextension builds it

# Not part of the package: the checkout's tooling, caches and run-time state.
NOT_SOURCES = {".git", ".venv", "build", "workspace", "instructor", "exchange", "tests",
               "benchmarks", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"}
# Third-party packages the wheel's venv does not need: this checkout's editable install (its
# finder would load the checkout), and the test oracles (large, never imported by the tools).
NOT_DEPENDENCIES = ("__editable__", "tinytorch", "torch", "functorch", "nvidia", "playwright")


def copy_sources(target: Path) -> None:
    """The checkout as a fresh clone would have it, plus a hub state directory with a
    package inside (students' homes hold one), which the wheel must leave out. A copy, so
    that the build's files (build/lib, egg-info) go there and none from an earlier build
    gets into the wheel."""

    def ignored(folder: str, names: list[str]) -> set[str]:
        skip = {name for name in names if name in NOT_SOURCES or name.endswith(".egg-info")}
        return skip | ({"runtime"} if Path(folder).name == "hub_config" else set())

    shutil.copytree(PROJECT_ROOT, target, ignore=ignored)
    home = target / "hub_config" / "runtime" / "homes" / "ada" / "tinytorch"
    home.mkdir(parents=True)
    (home / "__init__.py").write_text("", encoding="utf-8")
    (home.parents[2] / "secrets.json").write_text("{}", encoding="utf-8")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built offline with this venv's setuptools."""
    sources = tmp_path_factory.mktemp("sources") / "tinytorch"
    copy_sources(sources)
    out = tmp_path_factory.mktemp("wheel")
    built = subprocess.run(
        [sysconfig.get_path("scripts") + "/pip", "wheel", "--quiet", "--no-deps",
         "--no-build-isolation", "--wheel-dir", str(out), str(sources)],
        capture_output=True, text=True, check=False, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    [found] = out.glob("tinytorch-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory, wheel: Path) -> Path:
    """A new venv with the wheel installed and nothing of the checkout: its dependencies
    are hard links to this venv's installed packages (no network), inside its own
    site-packages, as ``pip install`` would put them, so that the sandbox finds them
    where it finds an installation's packages."""
    root = tmp_path_factory.mktemp("venv") / "venv"
    subprocess.run([sysconfig.get_path("scripts") + "/python", "-m", "venv", "--without-pip",
                    str(root)], check=True, timeout=120)
    python = root / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path("
                                "'purelib'))"], capture_output=True, text=True, check=True
                               ).stdout.strip())
    ours = Path(sysconfig.get_path("purelib"))
    for item in ours.iterdir():
        if item.name.startswith(NOT_DEPENDENCIES) or item.name == "__pycache__":
            continue
        if item.is_dir():
            shutil.copytree(item, site / item.name, copy_function=os.link, symlinks=True)
        else:
            os.link(item, site / item.name)
    installed = subprocess.run(
        [sysconfig.get_path("scripts") + "/pip", "--python", str(python), "install",
         "--quiet", "--no-deps", "--no-index", str(wheel)],
        capture_output=True, text=True, check=False, timeout=300)
    assert installed.returncode == 0, installed.stdout + installed.stderr
    return root


def test_the_wheel_holds_what_the_tools_read_and_nothing_else(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    needed = {"course/__init__.py", "course/course.toml", "course/AUTHORING.md",
              "course/modules/setup/setup.py", "course/modules/tensor/tensor.py",
              "tito/py.typed", "tito/terminal.bashrc", "sandbox/enter.py",
              "grading_service/templates/dashboard.html", "grading_service/static/dashboard.js",
              "grading_service/static/dashboard.css", "hub_config/jupyterhub_config.py",
              "hub_config/templates/home.html", "hub_config/student/jupyter_server_config.py",
              "hub_config/student/nbgrader_config.py",
              "tito/jupyter_config/labconfig/page_config.json",
              "hub_config/student/lab-settings/overrides.json", "tinytorch/__init__.py"}
    assert needed <= names, sorted(needed - names)
    tops = {name.split("/")[0] for name in names}
    [info] = [top for top in tops if top.endswith(".dist-info")]
    [data] = [top for top in tops if top.endswith(".data")]
    assert tops - {"tinytorch", "course", "sandbox", "tito", "grading_service",
                   "hub_config"} == {info, data}
    # Its data files are the prebuilt lab extension only (tests/course/test_labextension.py).
    extension = f"{data}/data/share/jupyter/labextensions/@tinytorch/lab/"
    assert all(name.startswith(extension) for name in names if name.startswith(f"{data}/"))
    assert not [n for n in names if "/runtime/" in n or "__pycache__" in n or
                n.startswith("tests/")]


def test_the_wheel_ships_the_prebuilt_extension(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    [data] = {name.split("/")[0] for name in names if ".data/" in name}
    shipped = {name.removeprefix(f"{data}/data/share/jupyter/labextensions/{EXTENSION}/")
               for name in names if f"labextensions/{EXTENSION}/" in name}
    built = {str(path.relative_to(EXTENSION_BUILD)) for path in EXTENSION_BUILD.rglob("*")
             if path.is_file()}
    assert shipped == built | {"install.json"}
    assert any(re.fullmatch(r"static/remoteEntry\.[0-9a-f]+\.js", name) for name in shipped)


def run(command: list[str | Path], cwd: Path, env: dict[str, str]
        ) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                            encoding="utf-8", timeout=600, check=False)
    assert result.returncode == 0, f"{command}: {result.stdout}{result.stderr}"
    return result


def test_a_module_runs_on_a_course_directory_outside_the_checkout(
        tmp_path: Path, venv: Path) -> None:
    bin_dir = venv / "bin"
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("TITO_", "PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env.update(PATH=os.pathsep.join([str(bin_dir), "/usr/local/bin", "/usr/bin", "/bin"]),
               COLUMNS="200")
    found = run([bin_dir / "python", "-c", "import tito, course, tinytorch; "
                 "print(tito.__file__, course.__file__, tinytorch.__file__)"], tmp_path, env)
    site = Path(run([bin_dir / "python", "-c", "import sysconfig; print(sysconfig.get_path("
                     "'purelib'))"], tmp_path, env).stdout.strip())
    for module in found.stdout.split():
        assert Path(module).is_relative_to(site), found.stdout  # the wheel's, not the checkout's
    tito = bin_dir / "tito"

    made = run([tito, "nbgrader", "init", "course"], tmp_path, env).stdout
    course_dir = tmp_path / "course"
    exchange = Path(made.split("exchange:")[1].split()[0])
    assert not exchange.is_relative_to(PROJECT_ROOT), made
    run([tito, "nbgrader", "generate", "setup"], course_dir, env)
    assert "released 00 setup" in run([tito, "nbgrader", "release", "setup"], course_dir,
                                      env).stdout

    # A student fetches the module into a workspace of their own, solves it, hands it in.
    student = {**env, "TITO_WORKSPACE": str(tmp_path / "ada"), "TITO_EXCHANGE": str(exchange)}
    run([tito, "fetch", "setup"], tmp_path, student)
    [notebook] = (tmp_path / "ada" / "modules").glob("*/setup.ipynb")
    instructor = nbformat.read(course_dir / "source" / "setup" / "setup.ipynb", as_version=4)
    solutions = {cell.metadata.nbgrader.grade_id for cell in instructor.cells
                 if cell.metadata.get("nbgrader", {}).get("solution")}
    write_notebook(notebook, submission(nbformat.read(notebook, as_version=4), instructor,
                                        solutions))
    run([tito, "submit", "setup"], tmp_path, student)

    run([tito, "nbgrader", "collect", "setup"], course_dir, env)
    graded = run([tito, "nbgrader", "autograde", "setup"], course_dir, env).stdout
    assert "✓" in graded, graded
    run([tito, "nbgrader", "report", "--module", "setup"], course_dir, env)
    with (course_dir / "reports" / "grades.csv").open(encoding="utf-8") as grades:
        [row] = list(csv.DictReader(grades))
    assert float(row["autograded"]) == 70.0, row
