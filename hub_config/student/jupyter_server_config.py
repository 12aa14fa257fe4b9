"""Jupyter Server configuration of every student lab in the hub: the instructor's nbgrader
tools stay off (the course directory is not in the lab; grading happens in the service),
kernels use Unix sockets, and JupyterLab's defaults come from ``lab-settings/`` beside this
file (no news feed to ask about: the hub has no internet)."""

from pathlib import Path

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "jupyter_lsp": False,  # no language servers are installed: it would only scan for them
}
# Kernels talk to their lab over Unix sockets in the lab's private runtime directory, not
# loopback TCP: labs share the machine's ports, and a port one lab picked for a new kernel
# could be taken by another lab's kernel before it was bound ("Address already in use",
# seen with 30 students starting kernels at once); nor can another student's code reach
# a socket file in a private /tmp.
c.KernelManager.transport = "ipc"
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab-settings")
