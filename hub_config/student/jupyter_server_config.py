"""Jupyter Server configuration of every student lab in the hub: the instructor's nbgrader
tools stay off (the course directory is not in the lab; grading happens in the service)."""

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
c.ServerApp.jpserver_extensions = {
    "nbgrader.server_extensions.formgrader": False,
    "nbgrader.server_extensions.course_list": False,
}
