"""Writes of the desk's own: the audit trail."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.db import models

from newsdesk.desk.models import AuditEntry


def audit_record(*, actor: object, action: str, target: models.Model,
                 detail: str = "") -> AuditEntry:
    """Note that actor did action to target; anything but a user (None, anonymous) is the system."""
    user = actor if isinstance(actor, AbstractBaseUser) else None
    return AuditEntry.objects.create(
        actor=user,
        actor_name=user.get_username() if user is not None else "",
        action=action,
        target_type=ContentType.objects.get_for_model(target, for_concrete_model=True),
        target_id=target.pk,
        target_repr=str(target)[:300],
        detail=detail,
    )
