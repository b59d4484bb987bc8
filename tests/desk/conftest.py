"""People of the desk: an editor and an admin, in the groups the roles migration made."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client

from newsdesk.desk.roles import ADMIN, EDITOR

PASSWORD = "correct horse battery staple 42"  # noqa: S105 - a test user's


def _member(username: str, group: str) -> User:
    user = User.objects.create_user(username, f"{username}@newsroom.example", PASSWORD,
                                    is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def editor(db: None) -> User:
    return _member("ayo", EDITOR)


@pytest.fixture
def desk_admin(db: None) -> User:
    return _member("mirela", ADMIN)


@pytest.fixture
def editor_client(editor: User) -> Client:
    client = Client()
    client.force_login(editor)
    return client


@pytest.fixture
def admin_client_(desk_admin: User) -> Client:
    client = Client()
    client.force_login(desk_admin)
    return client
