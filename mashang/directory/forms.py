from django import forms
from django.contrib.auth.forms import AuthenticationForm

from .models import Staff


class StaffLoginForm(AuthenticationForm):
    """Login with Chinese messages that say what to do, and a clear word when an account is locked."""

    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错多次，账号将被暂时锁定。",
        "inactive": "此账号已停用，请联系系统管理员。",
        "locked": "连续登录失败次数过多，账号已锁定，请 %(minutes)s 分钟后再试或联系系统管理员。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].error_messages["required"] = "请填写用户名"
        self.fields["password"].error_messages["required"] = "请填写密码"

    def clean(self):
        username = self.cleaned_data.get("username")
        try:
            return super().clean()
        except forms.ValidationError:
            staff = Staff.objects.filter(username=username).first() if username else None
            if staff is not None and staff.is_locked():
                from django.conf import settings

                raise forms.ValidationError(
                    self.error_messages["locked"],
                    code="locked",
                    params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                ) from None
            raise
