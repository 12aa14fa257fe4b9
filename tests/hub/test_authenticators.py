"""The hub's authenticator switched by configuration (``python -m hub_config --config``):
an LMS's LTI 1.1 launch logs a student of the roster in, with the course's roles; an
OAuth provider is where the login page sends people. No identity provider is reachable
here, so the LMS is played by the test (an LTI launch is a form the LMS signs) and the
OAuth test stops at the redirect to the provider."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from oauthlib.oauth1 import SIGNATURE_TYPE_BODY, Client

from tests.hub.client import Hub, running_hub

pytestmark = pytest.mark.slow

LTI = """
c.JupyterHub.authenticator_class = "ltiauthenticator.lti11.auth.LTI11Authenticator"
c.LTI11Authenticator.consumers = {"tinytorch-lms": "lms-shared-secret"}
c.LTI11Authenticator.username_key = "user_id"
"""

OAUTH = """
c.JupyterHub.authenticator_class = "generic-oauth"
c.GenericOAuthenticator.client_id = "tinytorch-hub"
c.GenericOAuthenticator.client_secret = "oauth-client-secret"
c.GenericOAuthenticator.authorize_url = "https://login.university.example/oauth/authorize"
c.GenericOAuthenticator.token_url = "https://login.university.example/oauth/token"
c.GenericOAuthenticator.userdata_url = "https://login.university.example/oauth/userinfo"
c.GenericOAuthenticator.username_claim = "preferred_username"
c.GenericOAuthenticator.scope = ["openid", "profile"]
"""


@contextmanager
def hub_with(settings: str, tmp_path: Path) -> Iterator[Hub]:
    config = tmp_path / "local_config.py"
    config.write_text(settings, encoding="utf-8")
    with running_hub(tmp_path / "state", dict(os.environ), tmp_path / "hub.log",
                     config=config) as hub:
        yield hub


def lti_launch(hub: Hub, user: str, secret: str = "lms-shared-secret"
               ) -> tuple[requests.Session, requests.Response]:
    """What an LMS does when ``user`` opens the course: a form POST it signs (OAuth 1)."""
    url = f"{hub.url}/hub/lti/launch"
    form = {"lti_message_type": "basic-lti-launch-request", "lti_version": "LTI-1p0",
            "resource_link_id": "tinytorch-01-tensor", "context_id": "tinytorch",
            "user_id": user, "roles": "Learner"}
    signer = Client("tinytorch-lms", client_secret=secret, signature_type=SIGNATURE_TYPE_BODY)
    _, headers, body = signer.sign(url, http_method="POST", body=form,
                                   headers={"Content-Type": "application/x-www-form-urlencoded"})
    session = requests.Session()
    return session, session.post(url, data=body, headers=headers, allow_redirects=False,
                                 timeout=30)


def test_an_lti_launch_logs_a_student_of_the_roster_in(tmp_path: Path) -> None:
    with hub_with(LTI, tmp_path) as hub:
        session, answer = lti_launch(hub, "alice")
        assert answer.status_code == 302, answer.text
        me = session.get(f"{hub.url}/hub/api/user", timeout=30).json()
        assert me["name"] == "alice"
        assert me["groups"] == ["student"]
        assert "custom:grader:manage" not in me.get("scopes", [])

        _, forged = lti_launch(hub, "alice", secret="not-the-lms-secret")
        assert forged.status_code == 401
        # signed by the LMS, but not in the class: ltiauthenticator redirects, logged out
        stranger, _ = lti_launch(hub, "mallory")
        assert stranger.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 403
        assert "User 'mallory' not allowed" in hub.log.read_text(encoding="utf-8")


def test_the_login_page_sends_people_to_the_oauth_provider(tmp_path: Path) -> None:
    with hub_with(OAUTH, tmp_path) as hub:
        answer = requests.get(f"{hub.url}/hub/oauth_login", allow_redirects=False, timeout=30)
        assert answer.status_code == 302
        target = urlsplit(answer.headers["Location"])
        assert f"{target.scheme}://{target.netloc}{target.path}" == \
            "https://login.university.example/oauth/authorize"
        query = parse_qs(target.query)
        assert query["client_id"] == ["tinytorch-hub"]
        assert query["redirect_uri"] == [f"{hub.url}/hub/oauth_callback"]
        assert query["scope"] == ["openid profile"]
        assert query["state"][0]


@pytest.mark.parametrize("roster", ['instructor = ["ada"]\nstudent = ["alan"]\n', None],
                         ids=["a roster", "the demo class"])
def test_nobody_signs_up(tmp_path: Path, roster: str | None) -> None:
    """The roster (or the demo class) says who is in the class: /hub/signup is not there,
    and a sign-up posted anyway makes no account."""
    roster_file = None
    if roster is not None:
        roster_file = tmp_path / "class.toml"
        roster_file.write_text(roster, encoding="utf-8")
    with running_hub(tmp_path / "state", dict(os.environ), tmp_path / "hub.log",
                     roster=roster_file) as hub:
        session = requests.Session()
        login_page = session.get(f"{hub.url}/hub/login", timeout=30)
        assert "Sign up" not in login_page.text
        assert session.get(f"{hub.url}/hub/signup", timeout=30).status_code == 404
        answer = session.post(f"{hub.url}/hub/signup", timeout=30, data={
            "username": "mallory", "signup_password": "a long password 123",
            "signup_password_confirmation": "a long password 123",
            "_xsrf": session.cookies["_xsrf"]})
        assert answer.status_code == 404
        with sqlite3.connect(hub.state.root / "jupyterhub.sqlite") as database:
            accounts = [name for (name,) in database.execute("SELECT username FROM users_info")]
        assert "mallory" not in accounts
        assert set(accounts) == set(hub.passwords)  # the class's accounts, nobody else's
