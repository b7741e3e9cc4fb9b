"""Role permissions for the API, the same checks the pages use (`satisfaction.roles`)."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.roles import MANAGER, STAFF, is_manager, is_staff_member

ROLE_CHECKS = {STAFF: is_staff_member, MANAGER: is_manager}


class RolePermission(BasePermission):
    """Reads need the view's `read_role`, writes its `write_role`; `action_roles` overrides per action.

    An anonymous request fails here too, and DRF answers it with 401 (not 403) because the token
    authenticator names a `WWW-Authenticate` scheme.
    """

    message = "Your role does not allow this operation."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        return ROLE_CHECKS[required_role(request, view)](user)


def required_role(request, view) -> str:
    """The role a request to `view` needs: staff or manager."""
    action_roles = getattr(view, "action_roles", {}) or {}
    action = getattr(view, "action", None)
    if action in action_roles:
        return action_roles[action]
    if request.method in SAFE_METHODS:
        return getattr(view, "read_role", STAFF)
    return getattr(view, "write_role", MANAGER)
