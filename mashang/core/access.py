"""Who may open which page: every view declares its audience, and a test checks that they all do.

Object-level rules (which appeal a handler may see) live in each app's restricted querysets;
this module only answers "may this role open this page at all".
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from mashang.directory.choices import Role

ALL_STAFF = frozenset(Role.values)
PUBLIC = "public"


def staff_view(*roles: str):
    """Require a logged-in, active staff member whose role is one of `roles` (all if none)."""
    allowed = frozenset(roles) if roles else ALL_STAFF

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not user.has_role(*allowed):
                raise PermissionDenied("您的角色无权访问此页面。")
            return view(request, *args, **kwargs)

        wrapped.access = allowed
        return wrapped

    return decorator


def public_view(view):
    """Open to anyone, including citizens who are not logged in."""
    view.access = PUBLIC
    return view


def roles_for(view) -> frozenset[str] | str | None:
    return getattr(view, "access", None)


def may_open(user, url_name: str, *args) -> bool:
    """Whether `user` may open the page named `url_name`: links to pages a person would be
    refused are not shown (the same declaration the view enforces)."""
    from django.urls import resolve, reverse

    access = roles_for(resolve(reverse(url_name, args=args)).func)
    if access == PUBLIC:
        return True
    if access is None or not getattr(user, "is_authenticated", False):
        return False
    return user.has_role(*access)
