from core.roles import is_manager, is_staff_member


def roles(request):
    """`is_manager` / `is_staff_member` for navigation by role."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"is_manager": False, "is_staff_member": False}
    return {"is_manager": is_manager(user), "is_staff_member": is_staff_member(user)}
