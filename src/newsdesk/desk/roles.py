"""The desk's two roles as Django groups, and what each may do.

Editor: sources, articles and review (press releases included). Admin: everything, users,
ads and the newsletter too. Kept in step after every migrate, so models added later are covered.
"""

from __future__ import annotations

from typing import Any

EDITOR = "Editor"
ADMIN = "Admin"
EDITOR_APPS = ("sources", "articles", "pressroom")
EDITOR_ACTIONS = ("add", "change", "view")  # no delete: articles are withdrawn, sources paused
EDITOR_EXTRA = (("desk", "view_auditentry"),)


def sync_roles(group_model: Any, permission_model: Any) -> None:
    """Create both groups if missing and give each exactly its permissions."""
    everything = permission_model.objects.all()
    editor_codes = [f"{action}_" for action in EDITOR_ACTIONS]
    editor = [p for p in everything.select_related("content_type")
              if (p.content_type.app_label in EDITOR_APPS
                  and any(p.codename.startswith(code) for code in editor_codes))
              or (p.content_type.app_label, p.codename) in EDITOR_EXTRA]
    group_model.objects.get_or_create(name=EDITOR)[0].permissions.set(editor)
    group_model.objects.get_or_create(name=ADMIN)[0].permissions.set(list(everything))
