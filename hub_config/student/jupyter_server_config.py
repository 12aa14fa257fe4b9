"""Jupyter Server configuration of every student lab in the hub: the instructor's nbgrader
tools stay off (the course directory is not in the lab; grading happens in the service),
and JupyterLab's defaults come from ``lab-settings/`` beside this file (no news feed to
ask about: the hub has no internet)."""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "jupyter_lsp": False,  # no language servers are installed: it would only scan for them
}
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab-settings")
