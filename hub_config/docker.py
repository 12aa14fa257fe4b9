"""The hub's settings for the one-server Compose deployment (docker/compose.yaml): each
student's lab in a container of its own (DockerSpawner) with CPU, memory and process
limits and a named volume for the home, and the grading service as an external service
(its own container; the job runner is another, outside the hub).

Called by the hub's Compose configuration file (docker/hub/compose_config.py), which reads
the environment and passes the values in.
"""

from __future__ import annotations

from traitlets.config import Config

from grading_service.auth import CUSTOM_SCOPES, SERVICE_NAME
from hub_config.spawner import RELEASES

LAB_HOME = "/home/student"  # the lab image's home (docker/Dockerfile)
LAB_PORT = 8888


def configure(c: Config, *, lab_image: str, network: str, hub_host: str, grader_url: str,
              grader_token: str, releases_volume: str, mem_limit: str = "2G",
              cpu_limit: float = 1.0, pids_limit: int = 512, tmp_size: str = "256m") -> None:
    """Set ``c`` (the hub's configuration) for Compose. ``grader_url`` is the grading
    service as the hub and the labs reach it (``http://grader:8090``)."""
    c.JupyterHub.spawner_class = "dockerspawner.DockerSpawner"
    # The labs reach the hub's API by its service name on the Compose network.
    c.JupyterHub.hub_ip = "0.0.0.0"
    c.JupyterHub.hub_connect_ip = hub_host
    c.DockerSpawner.image = lab_image
    c.DockerSpawner.network_name = network
    c.DockerSpawner.use_internal_ip = True
    c.DockerSpawner.port = LAB_PORT
    c.DockerSpawner.remove = True  # the home lives in its volume; the container is disposable
    c.DockerSpawner.name_template = "tinytorch-lab-{username}"
    c.DockerSpawner.notebook_dir = LAB_HOME
    c.DockerSpawner.volumes = {
        "tinytorch-home-{username}": LAB_HOME,
        releases_volume: {"bind": RELEASES, "mode": "ro"},
    }
    c.DockerSpawner.mem_limit = mem_limit
    c.DockerSpawner.cpu_limit = cpu_limit
    c.DockerSpawner.extra_host_config = {
        "pids_limit": pids_limit, "cap_drop": ["ALL"],
        "security_opt": ["no-new-privileges"], "read_only": True,
        "tmpfs": {"/tmp": f"rw,nosuid,nodev,size={tmp_size}"},
    }
    c.DockerSpawner.environment = {
        "TINYTORCH_GRADER_URL": f"{grader_url}/services/{SERVICE_NAME}/",
        "TITO_RELEASES": RELEASES,
    }
    c.JupyterHub.services = [{
        "name": SERVICE_NAME,
        "display": True,
        "info": {"description": "Grading dashboard and formgrader"},
        "url": grader_url,
        "api_token": grader_token,
        "oauth_client_allowed_scopes": list(CUSTOM_SCOPES),
        "oauth_no_confirm": True,
    }]
