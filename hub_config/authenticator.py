"""Per-user passwords (NativeAuthenticator), with the accounts the hub is given up front.

The accounts listed in ``accounts`` (the roster's, or the demo class of ``make hub``) exist
and are authorized from the first start, and nobody else can make one: the roster says who
is in the class, so NativeAuthenticator's sign-up page is off.
"""

from __future__ import annotations

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import LoginHandler
from nativeauthenticator.orm import UserInfo
from traitlets import Bool, Dict, Unicode


class _NoTimer:
    def start(self) -> _NoTimer:
        return self

    def stop(self, send: bool = True) -> None:
        pass


class _NoStatsd:
    def timer(self, name: str) -> _NoTimer:
        return _NoTimer()


class CourseLoginHandler(LoginHandler):
    """NativeAuthenticator 1.3's login page times logins with the statsd client that
    JupyterHub 5 removed (AttributeError on every login); give it one that records nothing."""

    statsd = _NoStatsd()


class CourseAuthenticator(NativeAuthenticator):
    """NativeAuthenticator that creates the configured accounts when the hub starts."""

    accounts = Dict(value_trait=Unicode(), help="User name → password of accounts that "
                    "exist and are authorized from the start.").tag(config=True)
    # Off for the demo class too: whoever signs up is in no group of the roster (no course
    # role, not in the gradebook), and a demo hub started with --ip is as reachable as a
    # real one. New people join by being added to the roster.
    enable_signup = Bool(False, help="Whether /hub/signup lets people make accounts (an "
                         "instructor then authorizes them at /hub/authorize). Off: the "
                         "roster says who is in the class.").tag(config=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name, password in self.accounts.items():
            self._ensure_account(self.normalize_username(name), password)

    def get_handlers(self, app) -> list[tuple]:
        return [(path, CourseLoginHandler if handler is LoginHandler else handler)
                for path, handler in super().get_handlers(app)]

    def _ensure_account(self, name: str, password: str) -> None:
        if UserInfo.find(self.db, name) is not None:
            return  # the person may have changed their password since
        hashed = bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt())
        self.db.add(UserInfo(username=name, password=hashed, is_authorized=True))
        self.db.commit()
