from django import forms
from django.contrib.auth.forms import AuthenticationForm


class StaffLoginForm(AuthenticationForm):
    """Login with Chinese messages that say what to do, and a clear word when an account is locked."""

    error_messages = {
        "invalid_login": "用户名或密码不正确。连续输错多次，账号将被暂时锁定。",
        "inactive": "此账号已停用，请联系系统管理员。",
        "locked": "连续登录失败次数过多，账号已锁定，请 %(minutes)s 分钟后再试或联系系统管理员。"
        "在您常用的电脑上仍可用正确的密码登录。",
        "ip": "这台电脑登录失败次数过多，请 15 分钟后再试。",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"
        self.fields["username"].error_messages["required"] = "请填写用户名"
        self.fields["password"].error_messages["required"] = "请填写密码"

    def clean(self):
        try:
            return super().clean()
        except forms.ValidationError:
            # The backend says why it refused; the answer is the same whether or not the
            # username exists (see directory.auth.LockoutModelBackend).
            from django.conf import settings

            reason = getattr(self.request, "login_refusal", None)
            if reason in ("locked", "ip"):
                raise forms.ValidationError(
                    self.error_messages[reason],
                    code=reason,
                    params={"minutes": settings.LOGIN_LOCKOUT_MINUTES},
                ) from None
            raise
