"""A student's course lab, on their laptop or in the hub: released notebooks in the
student's workspace, and JupyterLab (or JupyterHub's single-user server) started so that
their own ``tinytorch`` comes first."""

from __future__ import annotations

import json
import os
import shutil
import sysconfig
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

from tito.authoring.export import authored
from tito.authoring.source import read_source
from tito.jupyter import jupyter_server_args
from tito.manifest import Course, Module
from tito.project import Paths

if TYPE_CHECKING:
    from tito.grading.course_dir import CourseDir

TERMINAL_RC = files("tito") / "terminal.bashrc"
# Jupyter configuration of every course lab, laptop or hub: nbgrader's own lab UI is off
# (the TinyTorch panel fetches, tests, submits and shows feedback).
LAB_CONFIG = files("tito") / "jupyter_config"
# The student's TinyTorch panel (its server side). Jupyter adds the extensions installed
# packages enable to those named here; a hub lab's configuration enables it itself.
PANEL_EXTENSION = "--ServerApp.jpserver_extensions=tito.panel=True"


def lab_course_dir(course: Course, paths: Paths) -> CourseDir:
    """A private nbgrader course directory that only produces the student notebooks."""
    # Imported here: the instructor's tools (nbgrader's converters, the gradebook) are for
    # building notebooks from the sources on a laptop; a hub lab, which starts from the
    # released notebooks, never loads them.
    from tito.grading.course_dir import CourseDir

    return CourseDir(paths.cache / "lab-course", course, paths.modules_dir)


def _is_current(release: Path, source_sha256: str) -> bool:
    try:
        metadata = json.loads(release.read_text(encoding="utf-8"))["metadata"]
    except (FileNotFoundError, KeyError, json.JSONDecodeError):
        return False
    return metadata.get("tinytorch", {}).get("source_sha256") == source_sha256


def student_releases(course: Course, paths: Paths, modules: list[Module] | None = None,
                     on_generate: Callable[[Module], None] = lambda module: None
                     ) -> dict[str, Path]:
    """Released (student) notebooks of ``modules`` (default: every authored module),
    regenerated through nbgrader only when their source changed."""
    course_dir = lab_course_dir(course, paths)
    releases: dict[str, Path] = {}
    for module in modules if modules is not None else authored(course, paths.modules_dir):
        release = course_dir.release_notebook(module)
        if not _is_current(release, read_source(module, paths.modules_dir).sha256):
            on_generate(module)
            course_dir.generate(module)
        releases[module.id] = release
    return releases


def student_environment(workspace: Path) -> dict[str, str]:
    """What the lab sets in its environment, for its kernels: the student's package first on
    the path, tito on PATH, tito pointed at this workspace."""
    scripts = sysconfig.get_path("scripts")
    return {
        "PYTHONPATH": str(workspace),
        "TITO_WORKSPACE": str(workspace),
        "PATH": os.pathsep.join([scripts, os.environ.get("PATH", "")]),
        "PYTHONIOENCODING": "utf-8",
    }


def terminal_args() -> list[str]:
    """Jupyter server options that start each terminal as bash reading ``TERMINAL_RC``
    (else ``$SHELL``), not as a login shell.

    Jupyter starts a login shell whenever its output is not a terminal (in a hub, under
    ``make``), and a login profile may reset ``PATH`` (Debian's ``/etc/profile`` does,
    macOS's reorders it), losing the course's Python and ``tito``; so may the user's
    ``~/.bashrc`` (conda's and pyenv's lines put their Python first). The lab's environment
    is already the one the course needs (:func:`student_environment`; in the hub, the
    sandbox's), so the shell inherits it, as the kernels do, and ``TERMINAL_RC`` puts the
    lab's ``PATH`` first again after the user's own start-up file. Bash even for users of
    another shell: the course's instructions are written for it, and only a start-up
    file of its own can have the last word on ``PATH``.
    """
    bash = shutil.which("bash")
    shell = [bash, "--rcfile", str(TERMINAL_RC)] if bash else [
        os.environ.get("SHELL") or "/bin/sh"]
    return [f"--ServerApp.terminado_settings=shell_command={json.dumps(shell)}"]


def skip_registry_lookup() -> None:
    """Keep JupyterLab from asking yarn for the npm registry as it loads.

    Importing ``jupyterlab.labapp`` computes the app's version through ``AppOptions``,
    whose registry default runs ``node yarn.js config`` wherever node is installed: about
    0.6 s of CPU for each lab's start, a minute of CPU when a class of 100 starts at once.
    The registry serves only to build JupyterLab with extensions from npm, which a course
    lab never does (its extensions come installed with the Python packages). It replaces
    JupyterLab's private ``_yarn_config``; ``tests/course/test_lab.py`` fails if a lab's
    start runs node again.
    """
    from jupyterlab import commands

    def no_yarn_config(logger: object) -> dict[str, dict]:
        return {"yarn config": {}, "npm config": {}}

    commands._yarn_config = no_yarn_config


def serve(workspace: Path, port: int, open_browser: bool, server_args: list[str],
          singleuser: bool = False) -> None:
    """Run JupyterLab on 127.0.0.1:PORT for ``workspace`` or, in a hub, JupyterHub's
    single-user server (which takes its port and URLs from the hub's environment), until
    stopped.

    The server runs in this process rather than a new one: it then reuses the modules
    tito has loaded and skips the slow optional imports the CLI left out (:mod:`sandbox.startup`),
    which takes about half the time off a lab's start. Its kernels get
    :func:`student_environment`, and so do its terminals (:func:`terminal_args`); the
    server itself does not import the student's package.
    """
    os.environ.update(student_environment(workspace))
    # After any configuration the hub names, which comes first.
    os.environ["JUPYTER_CONFIG_PATH"] = os.pathsep.join(
        filter(None, [os.environ.get("JUPYTER_CONFIG_PATH"), str(LAB_CONFIG)]))
    # A terminal opened from the file browser's top starts in the server's folder: make it
    # the workspace, not where ``make lab`` ran (the checkout, whose reference tinytorch
    # ``python -c``/``-m`` would import ahead of the student's).
    os.chdir(workspace)
    server_args = [*terminal_args(), *server_args]  # the caller's own settings win
    skip_registry_lookup()
    if singleuser:
        from jupyterhub.singleuser import main
    else:
        from jupyterlab.labapp import main
        server_args = [*jupyter_server_args(workspace, port, open_browser), PANEL_EXTENSION,
                       *server_args]
    main(server_args)
