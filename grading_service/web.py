"""The service's pages in the browser: its cookies and its Content-Security-Policy.

Every page the service sends carries :func:`tito.grading.inert.content_security_policy`:
scripts from the service's origin only, and no inline script unless the page's own
template has it (formgrader's pages set their own policy with those scripts' hashes, see
``handlers/formgrader.py``). Cookies are ``SameSite=Lax``, so a link or form on another
site never acts with a TA's session; the hub's OAuth cookie is also ``HttpOnly``
(JupyterHub's default), the ``_xsrf`` cookie cannot be, since formgrader's scripts read it.
"""

from __future__ import annotations

from jupyter_server.serverapp import ServerApp

from tito.grading.inert import content_security_policy

SAME_SITE = "Lax"


def harden(serverapp: ServerApp) -> None:
    """Install the service's cookie options and default Content-Security-Policy."""
    settings = serverapp.web_app.settings
    settings.setdefault("xsrf_cookie_kwargs", {})["samesite"] = SAME_SITE
    settings.setdefault("headers", {})["Content-Security-Policy"] = content_security_policy()
    hub_auth = serverapp.identity_provider.hub_auth
    hub_auth.cookie_options = {**hub_auth.cookie_options, "samesite": SAME_SITE}
