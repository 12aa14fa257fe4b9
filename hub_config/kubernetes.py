"""The course's hub on Kubernetes (Zero to JupyterHub): what the chart's ``hub.extraConfig``
runs (docker/k8s/values.yaml), after the chart's own configuration.

The chart sets KubeSpawner (lab image, storage, CPU and memory, culling, the hub database)
from the values; :func:`configure` adds the course: its authenticator with the roster's
accounts, roles and groups (:mod:`hub_config.roles`, as ``make hub`` has them), the grading
service's OAuth settings, each lab's command and environment, and which lab sizes a person
may choose (students get the course lab without a choice; staff may pick a larger one).

The roster and first passwords come from a Kubernetes Secret mounted at
``/usr/local/etc/tinytorch`` (``roster.json``: group → user names; ``passwords.json``: user
→ first password); docs/deploy/kubernetes.md says how to make it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from traitlets.config import Config

from grading_service.auth import CUSTOM_SCOPES, SERVICE_NAME
from grading_service.lab_exchange.client import URL_VARIABLE
from hub_config import roles
from hub_config.docker import LAB_HOME  # the lab image's home: the chart's homeMountPath
from hub_config.spawner import RELEASES, STUDENT_CONFIG
from hub_config.state import HUB_CONFIG
from tito.errors import TitoError

SETTINGS = Path("/usr/local/etc/tinytorch")
# A profile (singleuser.profileList) with this key is offered only to these groups.
PROFILE_GROUPS = "tinytorch_groups"


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TitoError(f"{path} is missing: create the tinytorch-course Secret with it "
                        "(docs/deploy/kubernetes.md, 'The course Secret')") from None
    except ValueError as error:
        raise TitoError(f"{path} is not JSON ({error}): fix it in the tinytorch-course "
                        "Secret") from None


def lab_command() -> list[str]:
    """The lab pod's command (KubeSpawner adds the server's arguments): ``tito lab``
    prepares the home from the image's released notebooks, then starts the single-user
    server. ``-P``: the home, where it starts, never comes first on sys.path."""
    return ["python3", "-P", "-m", "tito", "lab", "--releases", RELEASES, "--singleuser"]


def lab_environment(grader_url: str) -> dict[str, str]:
    """What a lab needs besides the hub's own variables: where the grading service is (labs
    reach it directly, inside the cluster), its workspace, the course's Jupyter settings."""
    return {URL_VARIABLE: f"{grader_url.rstrip('/')}/services/{SERVICE_NAME}/",
            "TITO_WORKSPACE": LAB_HOME, "JUPYTERHUB_ROOT_DIR": LAB_HOME,
            "JUPYTER_CONFIG_PATH": STUDENT_CONFIG}


def offered_profiles(profiles: list[dict]) -> Callable[[object], list[dict]]:
    """``c.KubeSpawner.profile_list`` as a function of the spawner: the profiles whose
    ``tinytorch_groups`` (if any) include one of the user's groups."""

    def offered(spawner: object) -> list[dict]:
        groups = {group.name for group in spawner.user.groups}  # type: ignore[attr-defined]
        return [{key: value for key, value in profile.items() if key != PROFILE_GROUPS}
                for profile in profiles
                if PROFILE_GROUPS not in profile or groups & set(profile[PROFILE_GROUPS])]

    return offered


async def options_form(spawner) -> str:
    """``c.KubeSpawner.options_form``: KubeSpawner's own form of the offered profiles, or
    none when there is nothing to choose (a student goes straight to their lab)."""
    if len(spawner.profile_list(spawner)) <= 1:
        return ""
    return await spawner._render_options_form_dynamically(spawner)


def _set(c: Config, section: str, name: str, default: object) -> object:
    """``c.<section>.<name>`` as the chart set it, else ``default`` (an unset value of a
    traitlets Config is a placeholder, not the trait's default)."""
    return c[section].get(name, default)


def configure(c: Config, settings: Path = SETTINGS,
              grader_url: str = "http://tinytorch-grader:8888") -> Config:
    """Add the course to the chart's configuration ``c``: people and roles from
    ``settings`` (the mounted course Secret), the grading service at ``grader_url`` (its
    Kubernetes Service, docker/k8s/grader.yaml), the labs' command and environment."""
    roster = _read(settings / "roster.json")
    passwords = _read(settings / "passwords.json")
    users = [user for group in roles.GROUPS for user in roster.get(group, [])]
    missing = [user for user in users if user not in passwords]
    if missing:
        raise TitoError(f"{settings / 'passwords.json'} has no first password for "
                        f"{', '.join(missing)}: add them to the tinytorch-course Secret")
    services = [service for service in _set(c, "JupyterHub", "services", [])
                if service.get("name") == SERVICE_NAME]
    if not services:
        raise TitoError(f"the chart's values register no service {SERVICE_NAME!r}: add "
                        f"hub.services.{SERVICE_NAME} (docker/k8s/values.yaml)")

    c.JupyterHub.authenticator_class = "hub_config.authenticator.CourseAuthenticator"
    c.CourseAuthenticator.accounts = {user: passwords[user] for user in users}
    c.CourseAuthenticator.allow_all = True
    c.Authenticator.allowed_users = set(users)
    c.Authenticator.admin_users = set(roster.get("instructor", []))
    c.JupyterHub.custom_scopes = CUSTOM_SCOPES
    # The chart's own roles (the idle culler's) stay.
    c.JupyterHub.load_roles = [*_set(c, "JupyterHub", "load_roles", []), *roles.roles()]
    c.JupyterHub.load_groups = roles.groups(roster)
    c.JupyterHub.default_url = roles.landing_url
    c.JupyterHub.template_paths = [str(HUB_CONFIG / "templates")]
    services[0].update({
        "display": True, "info": {"description": "Grading dashboard and formgrader"},
        "oauth_client_allowed_scopes": list(CUSTOM_SCOPES),
        "oauth_no_confirm": True,  # the course's own service: no "authorize access?" page
    })

    c.Spawner.server_token_scopes = roles.server_token_scopes()
    c.Spawner.default_url = "/lab"
    c.KubeSpawner.cmd = lab_command()
    c.KubeSpawner.working_dir = LAB_HOME
    c.KubeSpawner.environment = {**_set(c, "KubeSpawner", "environment", {}),
                                 **lab_environment(grader_url)}
    profiles = _set(c, "KubeSpawner", "profile_list", [])
    if isinstance(profiles, list) and profiles:
        c.KubeSpawner.profile_list = offered_profiles(profiles)
        c.KubeSpawner.options_form = options_form
    return c
