from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _keep_roles_in_step(sender: AppConfig, **kwargs: Any) -> None:
    """Models added by later migrations get their permissions into the groups too."""
    from django.contrib.auth.models import Group, Permission

    from newsdesk.desk.roles import sync_roles

    if kwargs.get("plan") is not None and not kwargs["plan"]:
        return  # nothing migrated: nothing new to grant
    sync_roles(Group, Permission)


class DeskConfig(AppConfig):
    name = "newsdesk.desk"
    label = "desk"
    verbose_name = "Editorial desk"

    def ready(self) -> None:
        # Sent once per installed app after a migrate, so new models' permissions reach the groups.
        post_migrate.connect(_keep_roles_in_step, dispatch_uid="desk-roles")
