"""Jupyter Server configuration of every student lab in the hub: the instructor's nbgrader
tools stay off (the course directory is not in the lab; grading happens in the service),
the TinyTorch panel's server side is on, kernels use Unix sockets, and JupyterLab's
defaults come from ``lab-settings/`` beside this file (no news feed to ask about: the hub
has no internet)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

from grading_service.lab_exchange.client import TOKEN_VARIABLE, URL_VARIABLE

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
    "jupyter_lsp": False,  # no language servers are installed: it would only scan for them
    "tito.panel": True,
}
# The lab's environment (the hub's spawner sets it) is read here, once, and passed down:
# the panel asks the grading service who the student is, what is released and due.
grader_url = os.environ.get(URL_VARIABLE, "")
c.CoursePanel.grader_url = grader_url
c.CoursePanel.api_token = os.environ.get(TOKEN_VARIABLE, "")
c.CoursePanel.hub_api_url = os.environ.get("JUPYTERHUB_API_URL", "")
# The lab reaches the service directly; staff's browsers reach it through the hub, at the
# same path on the hub's own address.
service_path = urlsplit(grader_url).path if grader_url else ""
c.CoursePanel.dashboard_url = f"{service_path}dashboard" if grader_url else ""
c.CoursePanel.formgrader_url = f"{service_path}formgrader" if grader_url else ""
# Kernels talk to their lab over Unix sockets in the lab's private runtime directory, not
# loopback TCP: labs share the machine's ports, and a port one lab picked for a new kernel
# could be taken by another lab's kernel before it was bound ("Address already in use",
# seen with 30 students starting kernels at once); nor can another student's code reach
# a socket file in a private /tmp.
c.KernelManager.transport = "ipc"
c.LabApp.app_settings_dir = str(Path(__file__).resolve().parent / "lab-settings")
