"""Per-user passwords (NativeAuthenticator), with the accounts the hub is given up front.

The accounts listed in ``accounts`` (the roster's, or the demo class of ``make hub``) exist
and are authorized from the first start, and nobody else can make one: the roster says who
is in the class, so NativeAuthenticator's sign-up page is off.

Passwords are hashed and checked with bcrypt (about 0.3 s of CPU each) in a pool of
threads, one per core, never on the hub's event loop: NativeAuthenticator 1.3 checks them
on the loop, where a class logging in at once held up every other request to the hub.
bcrypt releases the GIL while it hashes, so the threads use every core; the database (the
hub's session, not thread-safe) is read and written on the loop only.
"""

from __future__ import annotations

import asyncio
import os
from concurrent.futures import ThreadPoolExecutor
from functools import cached_property

import bcrypt
from nativeauthenticator import NativeAuthenticator
from nativeauthenticator.handlers import (
    ChangePasswordAdminHandler,
    ChangePasswordHandler,
    LoginHandler,
    admin_users_scope,
)
from nativeauthenticator.orm import UserInfo
from tornado import web
from traitlets import Bool, Dict, Integer, Unicode

BCRYPT_LIMIT = 72  # bytes of a password bcrypt takes (bcrypt 5 refuses longer ones)


def _check(password: str, stored: bytes) -> bool:
    encoded = password.encode("utf-8")
    # Longer than bcrypt takes: no stored hash can be of it (bcrypt 5 would raise).
    return len(encoded) <= BCRYPT_LIMIT and bcrypt.checkpw(encoded, stored)


def _hash(password: str) -> bytes:
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt())


class CourseLoginHandler(LoginHandler):
    """NativeAuthenticator's login page, with the password of a refused login checked
    again (to tell "not authorized yet") in the pool, and without the statsd timer that
    JupyterHub 5 removed (AttributeError on every login)."""

    async def post(self) -> None:
        data = {arg: self.get_argument(arg, strip=False) for arg in self.request.arguments}
        user = await self.login_user(data)
        if user:
            # register current user for subsequent requests to user (e.g. logging the request)
            self._jupyterhub_user = user
            self.redirect(self.get_next_url(user))
            return
        username = data["username"]
        error = "Invalid username or password."
        info = self.authenticator.get_user(username)
        # Only an account an instructor has not authorized gets another message, so only
        # its password is checked again.
        if (info is not None and not info.is_authorized
                and await self.authenticator.password_matches(info, data["password"])):
            error = f"User {username} has not been authorized by an administrator yet."
        self.finish(await self._render(login_error=error, username=username))


def _refusal(minimum_length: int, whose: str) -> str:
    """NativeAuthenticator's message when a new password is refused."""
    if minimum_length > 0:
        return (f"Something went wrong!\nBe sure {whose} has at least {minimum_length} "
                "characters and is not too common.")
    return f"Something went wrong!\nBe sure {whose} is not too common."


class CourseChangePasswordHandler(ChangePasswordHandler):
    """/hub/change-password (people change their own password) as NativeAuthenticator has
    it, with the old password checked and the new one hashed in the pool."""

    @web.authenticated
    async def post(self) -> None:
        user = await self.get_current_user()
        old_password = self.get_body_argument("old_password", strip=False)
        new_password = self.get_body_argument("new_password", strip=False)
        confirmation = self.get_body_argument("new_password_confirmation", strip=False)
        authenticator = self.authenticator
        if not await authenticator.password_matches(authenticator.get_user(user.name),
                                                    old_password):
            alert, message = ("alert-danger",
                              "Your current password was incorrect. Please try again.")
        elif new_password != confirmation:
            alert, message = ("alert-danger", "Your new password didn't match the "
                              "confirmation. Please try again.")
        elif await authenticator.set_password(user.name, new_password):
            alert, message = "alert-success", "Your password has been changed successfully!"
        else:
            alert, message = "alert-danger", _refusal(authenticator.minimum_password_length,
                                                      "your new password")
        self.finish(await self.render_template("change-password.html", user_name=user.name,
                                               result_message=message, alert=alert))


class CourseChangePasswordAdminHandler(ChangePasswordAdminHandler):
    """/hub/change-password/<user> (an admin sets someone's password) as
    NativeAuthenticator has it, with the new password hashed in the pool."""

    @admin_users_scope
    async def post(self, user_name: str) -> None:
        new_password = self.get_body_argument("new_password", strip=False)
        confirmation = self.get_body_argument("new_password_confirmation", strip=False)
        authenticator = self.authenticator
        if new_password != confirmation:
            alert, message = ("alert-danger", "The new password didn't match the "
                              "confirmation. Please try again.")
        elif await authenticator.set_password(user_name, new_password):
            alert, message = ("alert-success",
                              f"The password for {user_name} has been changed successfully")
        else:
            alert, message = "alert-danger", _refusal(authenticator.minimum_password_length,
                                                      f"the new password for {user_name}")
        self.finish(await self.render_template("change-password-admin.html",
                                               user_name=user_name, result_message=message,
                                               alert=alert))


HANDLERS = {LoginHandler: CourseLoginHandler, ChangePasswordHandler: CourseChangePasswordHandler,
            ChangePasswordAdminHandler: CourseChangePasswordAdminHandler}


class CourseAuthenticator(NativeAuthenticator):
    """NativeAuthenticator that creates the configured accounts when the hub starts and
    hashes passwords off the event loop."""

    accounts = Dict(value_trait=Unicode(), help="User name → password of accounts that "
                    "exist and are authorized from the start.").tag(config=True)
    # Off for the demo class too: whoever signs up is in no group of the roster (no course
    # role, not in the gradebook), and a demo hub started with --ip is as reachable as a
    # real one. New people join by being added to the roster.
    enable_signup = Bool(False, help="Whether /hub/signup lets people make accounts (an "
                         "instructor then authorizes them at /hub/authorize). Off: the "
                         "roster says who is in the class.").tag(config=True)
    hashing_threads = Integer(0, help="Threads that hash and check passwords (bcrypt, "
                              "about 0.3 s of CPU each); 0: one per core the hub may "
                              "use.").tag(config=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # One lock per account: its login attempts are checked one at a time, as they were
        # on the loop, so the failed-login lockout counts every attempt before the next.
        self._attempts: dict[str, asyncio.Lock] = {}
        missing = {self.normalize_username(name): password
                   for name, password in self.accounts.items()}
        missing = {name: password for name, password in missing.items()
                   if UserInfo.find(self.db, name) is None}  # others may have changed theirs
        # The hub does not serve yet: hash the new accounts on every core and wait.
        for name, hashed in zip(missing, self._hashing.map(_hash, missing.values()),
                                strict=True):
            self.db.add(UserInfo(username=name, password=hashed, is_authorized=True))
        self.db.commit()

    @cached_property
    def _hashing(self) -> ThreadPoolExecutor:
        threads = self.hashing_threads or len(os.sched_getaffinity(0))
        return ThreadPoolExecutor(max_workers=threads, thread_name_prefix="bcrypt")

    async def password_matches(self, info: UserInfo | None, password: str) -> bool:
        """Whether ``password`` is the one of account ``info`` (False without an account),
        checked in the pool."""
        if info is None:
            return False
        stored = info.password  # read here: the database session belongs to the loop
        return await asyncio.get_running_loop().run_in_executor(self._hashing, _check,
                                                                password, stored)

    async def set_password(self, username: str, password: str) -> bool:
        """Give account ``username`` the new ``password`` (hashed in the pool), unless there
        is no such account or the password is too weak (or longer than bcrypt takes), as
        NativeAuthenticator's ``change_password`` decides."""
        info = self.get_user(username)
        if (info is None or not self.is_password_strong(password)
                or len(password.encode("utf-8")) > BCRYPT_LIMIT):
            return False
        hashed = await asyncio.get_running_loop().run_in_executor(self._hashing, _hash,
                                                                  password)
        info.password = hashed
        self.db.commit()
        return True

    async def authenticate(self, handler, data: dict) -> str | None:
        """NativeAuthenticator's check (an account, authorized, the right password, the
        second factor if it has one, no lockout after failed logins), with the password
        checked in the pool."""
        username = self.normalize_username(data["username"])
        password = data["password"]
        if self.get_user(username) is None:
            return None
        async with self._attempts.setdefault(username, asyncio.Lock()):
            info = self.get_user(username)  # again: it may have changed while waiting
            if info is None or (self.allowed_failed_logins and self.is_blocked(username)):
                return None
            authorized, two_factor = info.is_authorized, info.has_2fa
            matches = await self.password_matches(info, password)
            valid = authorized and matches and (not two_factor
                                                or info.is_valid_token(data.get("2fa")))
            if valid:
                self.successful_login(username)
                return username
            self.add_login_attempt(username)
            return None

    def get_handlers(self, app) -> list[tuple]:
        return [(path, HANDLERS.get(handler, handler))
                for path, handler in super().get_handlers(app)]
