"""The grading service's whole tornado routing table, built as the service builds it.

``python -m tests.hub.routing STATE`` starts (without listening) the same Jupyter Server
``python -m grading_service`` runs, with JupyterHub's extension and ours, and prints its URL
patterns as JSON: Jupyter Server's own routes, nbgrader's, static ones and ours.
:func:`service_routes` runs it against a running hub (the hub extension asks the hub for
its version when it loads).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tornado.routing import Router, RuleRouter

from tests.hub.client import SERVICE, Hub
from tito.project import PROJECT_ROOT


def _patterns(router: Router) -> list[str]:
    patterns = []
    for rule in router.rules if isinstance(router, RuleRouter) else []:
        if isinstance(rule.target, RuleRouter):
            patterns += _patterns(rule.target)
        else:
            patterns.append(rule.matcher.regex.pattern)
    return patterns


def service_routes(hub: Hub, scratch: Path) -> list[str]:
    """Every URL pattern of the grading service (absolute paths, as tornado matches them),
    built in a scratch state and course folder."""
    env = {**os.environ, "JUPYTERHUB_API_TOKEN": "unused", "JUPYTERHUB_API_URL":
           f"{hub.url}/hub/api", "JUPYTERHUB_BASE_URL": "/",
           "JUPYTERHUB_SERVICE_PREFIX": f"{SERVICE}/", "JUPYTERHUB_SERVICE_NAME": "grader",
           "JUPYTERHUB_CLIENT_ID": "service-grader",
           "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{SERVICE}/oauth_callback",
           "JUPYTERHUB_SERVICE_URL": "http://127.0.0.1:1/",  # never listened on
           "TITO_COURSE_DIR": str(scratch / "course"), "TITO_EXCHANGE": str(scratch / "x"),
           "PYTHONPATH": str(PROJECT_ROOT)}
    (scratch / "course").mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-m", "tests.hub.routing", str(scratch / "state")],
                          env=env, cwd=scratch / "course", capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    from grading_service.app import GraderApp

    server = GraderApp.initialize_server(argv=["--state", sys.argv[1],
                                               "--ServerApp.open_browser=False"])
    print(json.dumps(_patterns(server.web_app.default_router)))


if __name__ == "__main__":
    main()
