"""A student's course lab, on their laptop or in the hub: released notebooks in the
student's workspace, and JupyterLab (or JupyterHub's single-user server) started so that
their own ``tinytorch`` comes first."""

from __future__ import annotations

import json
import os
import sysconfig
from collections.abc import Callable
from pathlib import Path

from tito.authoring.export import authored
from tito.authoring.source import read_source
from tito.course_dir import CourseDir
from tito.manifest import Course, Module
from tito.project import Paths


def lab_course_dir(course: Course, paths: Paths) -> CourseDir:
    """A private nbgrader course directory that only produces the student notebooks."""
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


def jupyter_server_args(root_dir: Path, port: int, open_browser: bool) -> list[str]:
    """Options every Jupyter server tito starts shares: loopback only, one fixed port."""
    args = ["--ip=127.0.0.1", f"--port={port}", f"--ServerApp.root_dir={root_dir}",
            f"--ServerApp.open_browser={open_browser}", "--ServerApp.port_retries=0"]
    if os.geteuid() == 0:  # containers and CI run as root; Jupyter refuses that unless told
        args.append("--allow-root")
    return args


def serve(workspace: Path, port: int, open_browser: bool, server_args: list[str],
          singleuser: bool = False) -> None:
    """Run JupyterLab on 127.0.0.1:PORT for ``workspace`` or, in a hub, JupyterHub's
    single-user server (which takes its port and URLs from the hub's environment), until
    stopped.

    The server runs in this process rather than a new one: it then reuses the modules
    tito has loaded and skips the slow optional imports tito leaves out (tito/__init__.py),
    which takes about half the time off a lab's start. Its kernels get
    :func:`student_environment`; the server itself does not import the student's package.
    """
    os.environ.update(student_environment(workspace))
    if singleuser:
        from jupyterhub.singleuser import main
    else:
        from jupyterlab.labapp import main
        server_args = [*jupyter_server_args(workspace, port, open_browser), *server_args]
    main(server_args)
