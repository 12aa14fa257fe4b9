"""Passwords are hashed and checked off the hub's event loop (bcrypt, about 0.3 s of CPU
each), and logging in works as NativeAuthenticator has it: the right password lets in, a
wrong one, an account not authorized or one locked after failed logins does not, people
change their password. In-process on the authenticator with real bcrypt hashes, and
through a real hub. How long logins take is measured by ``benchmarks/hub_load.py
--logins``, not here."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import bcrypt
import pytest
import requests
from jupyterhub import orm
from nativeauthenticator.orm import UserInfo

from hub_config.authenticator import CourseAuthenticator
from tests.hub.client import Hub

ACCOUNTS = {"ada": "ada's password", "alan": "alan's password"}


@pytest.fixture
def database() -> Iterator[object]:
    session = orm.new_session_factory("sqlite://")()
    yield session
    session.close()


def authenticator(database: object, **settings: object) -> CourseAuthenticator:
    return CourseAuthenticator(_deprecated_db_session=database, accounts=ACCOUNTS, **settings)


def log_in(auth: CourseAuthenticator, user: str, password: str) -> str | None:
    return asyncio.run(auth.authenticate(None, {"username": user, "password": password}))


def test_passwords_are_checked_on_other_threads_while_the_loop_runs(
        database: object, monkeypatch: pytest.MonkeyPatch) -> None:
    auth = authenticator(database)
    checks: list[tuple[int, int, int]] = []  # thread, loop ticks at its start, at its end
    ticks = 0
    real_check = bcrypt.checkpw

    def watched_check(password: bytes, stored: bytes) -> bool:
        start = ticks
        matches = real_check(password, stored)
        checks.append((threading.get_ident(), start, ticks))
        return matches

    monkeypatch.setattr(bcrypt, "checkpw", watched_check)

    async def logins() -> tuple[int, list[str | None]]:
        nonlocal ticks
        attempts = asyncio.gather(*(
            auth.authenticate(None, {"username": user, "password": password})
            for user, password in [*ACCOUNTS.items(), ("ada", "not ada's password")]))
        while not attempts.done():  # other work the loop does meanwhile
            await asyncio.sleep(0)
            ticks += 1
        return threading.get_ident(), attempts.result()

    loop_thread, results = asyncio.run(logins())
    assert results == ["ada", "alan", None]
    assert len(checks) == 3
    for thread, start, end in checks:
        assert thread != loop_thread
        assert end > start, "the event loop stood still while a password was checked"


def test_failed_logins_at_once_still_lock_the_account(database: object) -> None:
    auth = authenticator(database, allowed_failed_logins=2)

    async def at_once() -> list[str | None]:
        return await asyncio.gather(*(
            auth.authenticate(None, {"username": "ada", "password": password})
            for password in ["wrong", "wrong again", ACCOUNTS["ada"]]))

    # Checked one at a time, as on the loop: the two failures lock ada out before the third.
    assert asyncio.run(at_once()) == [None, None, None]
    assert log_in(auth, "ada", ACCOUNTS["ada"]) is None
    assert log_in(auth, "alan", ACCOUNTS["alan"]) == "alan"


def test_an_account_not_authorized_is_refused(database: object) -> None:
    auth = authenticator(database)
    UserInfo.find(database, "alan").is_authorized = False
    database.commit()
    assert log_in(auth, "alan", ACCOUNTS["alan"]) is None
    assert log_in(auth, "nobody", "any password") is None
    assert log_in(auth, "ada", "x" * 100) is None  # longer than bcrypt takes: refused


def test_a_changed_password_is_kept_when_the_hub_starts_again(database: object) -> None:
    auth = authenticator(database, minimum_password_length=8)
    assert not asyncio.run(auth.set_password("ada", "short"))
    assert not asyncio.run(auth.set_password("nobody", "a long new password"))
    assert asyncio.run(auth.set_password("ada", "a long new password"))
    again = authenticator(database)
    assert log_in(again, "ada", "a long new password") == "ada"
    assert log_in(again, "ada", ACCOUNTS["ada"]) is None


def whoami(session: requests.Session, hub: Hub) -> str:
    answer = session.get(f"{hub.url}/hub/api/user", timeout=60)
    answer.raise_for_status()
    return answer.json()["name"]


@pytest.mark.slow
def test_a_burst_of_logins_and_hub_requests_all_succeed(hub: Hub) -> None:
    token = hub.token("instructor")
    people = [user for user in hub.passwords for _ in range(3)]

    def login(user: str) -> str:
        return whoami(hub.login(user), hub)

    def probe(path: str) -> int:
        return hub.call(token, "GET", path).status_code

    with ThreadPoolExecutor(max_workers=len(people) + 10) as pool:
        logins = [pool.submit(login, user) for user in people]
        probes = [pool.submit(probe, path) for path in ["/hub/api/", "/hub/api/user"] * 5]
        assert [future.result() for future in logins] == people
        assert [future.result() for future in probes] == [200] * 10


def login_form(hub: Hub, user: str, password: str) -> tuple[requests.Session,
                                                              requests.Response]:
    session = requests.Session()
    session.get(f"{hub.url}/hub/login", timeout=30).raise_for_status()
    return session, session.post(f"{hub.url}/hub/login?next=", timeout=60,
                                 allow_redirects=False,
                                 data={"username": user, "password": password,
                                       "_xsrf": session.cookies["_xsrf"]})


@pytest.mark.slow
def test_a_wrong_password_is_refused(hub: Hub) -> None:
    session, answer = login_form(hub, "alice", hub.passwords["alice"] + "x")
    assert answer.status_code == 200
    assert "Invalid username or password." in answer.text
    assert session.get(f"{hub.url}/hub/api/user", timeout=30).status_code == 403


def change_password(session: requests.Session, hub: Hub, path: str,
                    form: dict[str, str]) -> str:
    answer = session.post(f"{hub.url}/hub/{path}", timeout=60,
                          data={**form, "_xsrf": session.cookies["_xsrf"]})
    answer.raise_for_status()
    return answer.text


@pytest.mark.slow
def test_people_and_admins_change_passwords(hub: Hub) -> None:
    old, new = hub.passwords["bob"], "bob's new password"
    bob = hub.login("bob")
    assert "Your current password was incorrect" in change_password(
        bob, hub, "change-password", {"old_password": "not bob's", "new_password": new,
                                      "new_password_confirmation": new})
    assert "changed successfully" in change_password(
        bob, hub, "change-password", {"old_password": old, "new_password": new,
                                      "new_password_confirmation": new})
    assert "Invalid username or password." in login_form(hub, "bob", old)[1].text
    session, answer = login_form(hub, "bob", new)
    assert answer.status_code == 302 and whoami(session, hub) == "bob"

    instructor = hub.login("instructor")
    assert "has been changed successfully" in change_password(
        instructor, hub, "change-password/bob", {"new_password": old,
                                                 "new_password_confirmation": old})
    session, answer = login_form(hub, "bob", old)  # bob's first password again
    assert answer.status_code == 302 and whoami(session, hub) == "bob"
    assert "Invalid username or password." in login_form(hub, "bob", new)[1].text
