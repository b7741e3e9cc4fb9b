"""Roles (DESIGN §1) as Django groups, and the checks views use.

`staff` record feedback and read customers; `manager` does everything staff do plus
dashboards, reports, alerts, watch list and the improvement loop; superusers are admins.
"""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied

STAFF = "staff"
MANAGER = "manager"

# Model permissions per role, by app label → model → actions. Managers get the staff set too.
STAFF_PERMISSIONS = {
    "satisfaction": {
        "customer": ["view"],
        "contact": ["view"],
        "contract": ["view"],
        "servicetype": ["view"],
        "serviceticket": ["view"],
        "complaint": ["view"],
        "satisfactionrecord": ["view", "add"],
    },
}
MANAGER_PERMISSIONS = {
    "satisfaction": {
        "customer": ["add", "change"],
        "contact": ["add", "change"],
        "contract": ["add", "change"],
        "serviceticket": ["add", "change"],
        "complaint": ["add", "change"],
        "satisfactionrecord": ["change"],
        "satisfactiontarget": ["view"],
        "satisfactionalert": ["view", "change"],
        "watchlistentry": ["view", "add", "change"],
        "customerriskscore": ["view"],
        "notificationpreference": ["view"],
        "improvementsuggestion": ["view", "change"],
        "improvementmeasure": ["view", "add", "change"],
        "improvementtask": ["view", "add", "change", "delete"],
        "surveyinvitation": ["view", "change"],
        "surveycampaign": ["view", "add", "change"],
        "surveysettings": ["view", "change"],
        "surveyoptout": ["view", "add", "delete"],
    },
}


def is_manager(user) -> bool:
    return bool(user.is_authenticated and (user.is_superuser or _in_group(user, MANAGER)))


def is_staff_member(user) -> bool:
    """Anyone allowed to record feedback: staff, managers and admins."""
    return bool(user.is_authenticated and (user.is_superuser or _in_group(user, STAFF) or _in_group(user, MANAGER)))


def _in_group(user, name: str) -> bool:
    # Cache group names on the user object: one query per request, not one per check.
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return name in names


class RoleRequiredMixin(AccessMixin):
    """Login required; then `role_check(user)` must pass, else 403."""

    role_check = staticmethod(is_staff_member)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.role_check(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class StaffRequiredMixin(RoleRequiredMixin):
    role_check = staticmethod(is_staff_member)


class ManagerRequiredMixin(RoleRequiredMixin):
    role_check = staticmethod(is_manager)


def sync_role_groups(apps=None) -> None:
    """Create the role groups and give them exactly the permissions above (safe to run again)."""
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(spec):
        codenames = [
            (app, f"{action}_{model}")
            for app, models in spec.items()
            for model, actions in models.items()
            for action in actions
        ]
        found = []
        for app, codename in codenames:
            found.extend(Permission.objects.filter(content_type__app_label=app, codename=codename))
        return found

    staff_perms = perms(STAFF_PERMISSIONS)
    Group.objects.get_or_create(name=STAFF)[0].permissions.set(staff_perms)
    Group.objects.get_or_create(name=MANAGER)[0].permissions.set(staff_perms + perms(MANAGER_PERMISSIONS))
