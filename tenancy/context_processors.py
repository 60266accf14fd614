from tenancy.roles import ROLE_PERMISSIONS


def organization(request):
    membership = getattr(request, "membership", None)
    return {
        "organization": getattr(request, "organization", None),
        "membership": membership,
        "perms_in_org": ROLE_PERMISSIONS.get(membership.role, frozenset()) if membership else frozenset(),
    }
