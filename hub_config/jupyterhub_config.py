"""JupyterHub configuration of the course hub (``make hub`` starts it).

Everything the hub writes lives in its state directory (``$TITO_HUB_STATE``, by default
``hub_config/runtime/``, outside git), with the secrets made on first start. Settings of
your own (another authenticator, say) go in a file loaded last: ``python -m hub_config
--config FILE``, or ``hub_config/local_config.py``; see README.md, "The course hub".
"""

from grading_service.auth import CUSTOM_SCOPES, SERVICE_NAME
from hub_config import roles
from hub_config.services import services
from hub_config.state import HUB_CONFIG, HubState
from sandbox.bubblewrap import Sandbox
from tito.exchange import COURSE_ID

c = get_config()  # noqa: F821 (provided by traitlets when it loads this file)
state = HubState.from_env()
settings = state.settings()
grader_url = f"http://127.0.0.1:{settings.grader_port}"

c.JupyterHub.ip = settings.ip
c.JupyterHub.port = settings.port
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = settings.hub_port
c.ConfigurableHTTPProxy.command = [settings.proxy_command]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"
c.ConfigurableHTTPProxy.auth_token = state.secret("proxy_token")
c.ConfigurableHTTPProxy.pid_file = str(state.proxy_pid_file)
c.JupyterHub.cookie_secret_file = str(state.secrets / "cookie_secret")
c.JupyterHub.db_url = state.hub_db_url(settings)
c.JupyterHub.pid_file = str(state.hub_pid_file)
c.JupyterHub.cleanup_servers = True  # Ctrl-C stops the labs too
c.JupyterHub.template_paths = [str(HUB_CONFIG / "templates")]

# People: per-user passwords by default; the course's groups carry its roles.
c.JupyterHub.authenticator_class = "hub_config.authenticator.CourseAuthenticator"
c.CourseAuthenticator.accounts = state.passwords(settings.roster)
# NativeAuthenticator lets in only accounts an instructor authorized; any other
# authenticator (local_config.py) lets in the roster only, unless told otherwise.
c.CourseAuthenticator.allow_all = True
c.Authenticator.allowed_users = {user for users in settings.roster.values() for user in users}
c.Authenticator.admin_users = set(settings.roster.get("instructor", []))
c.JupyterHub.custom_scopes = CUSTOM_SCOPES
c.JupyterHub.load_roles = roles.roles()
c.JupyterHub.load_groups = roles.groups(settings.roster)
c.JupyterHub.default_url = roles.landing_url

# Labs: one sandbox per user.
c.JupyterHub.spawner_class = "hub_config.spawner.SandboxedSpawner"
c.SandboxedSpawner.homes = str(state.homes)
c.SandboxedSpawner.releases = str(state.exchange / COURSE_ID / "outbound")
c.SandboxedSpawner.grader_url = f"{grader_url}/services/{SERVICE_NAME}/"
c.Spawner.server_token_scopes = roles.server_token_scopes()
c.Spawner.default_url = "/lab"
# A class logging in at once queues on the CPU; the spawner starts labs a few at a time
# (c.SandboxedSpawner.concurrent_starts), so a waiting start costs the hub nothing and
# JupyterHub's own limit (100 pending, then "try again later") would only turn students away.
c.JupyterHub.concurrent_spawn_limit = 0
c.Spawner.start_timeout = 300
c.Spawner.http_timeout = 300

if settings.local_config:
    load_subconfig(settings.local_config)  # noqa: F821 (provided by traitlets)

# The grading service: the web side unprivileged and sandboxed, the job runner as root.
# After the local settings: its sandbox is made as they configure it (c.Sandbox.bwrap).
if "services" not in c.JupyterHub:  # a deployment's settings (hub_config.docker) name theirs
    c.JupyterHub.services = services(state, settings, grader_url, Sandbox(config=c))
