import getpass
import os
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core import checks
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from mashang.core.audit import audit
from mashang.directory.choices import Role
from mashang.directory.models import Staff

PASSWORD_ENV = "MASHANG_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = (
        "First run of a production instance: checks the settings (Django's deploy checks, the "
        "database, the cache, media), applies migrations and creates the first administrator "
        "(a superuser). Safe to run again: it never creates a second one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--full-name", default="系统管理员")
        parser.add_argument("--mobile", default="")
        parser.add_argument(
            "--password-file",
            help=f"read the password from this file (or set {PASSWORD_ENV}); "
            "asked on the terminal otherwise",
        )
        parser.add_argument("--skip-migrate", action="store_true", help="migrations already run")

    def handle(self, *args, **options):
        if settings.DEMO_MODE:
            raise CommandError(
                "当前是内置演示模式（未设置 DATABASE_URL）：生产环境请先按 deploy/mashang.env.example "
                "设置环境变量再运行 bootstrap。"
            )
        self._check_settings()
        if not options["skip_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
            call_command("createcachetable", verbosity=0)
            self.stdout.write("✓ 数据库结构已是最新")
        first = Staff.objects.filter(is_superuser=True).order_by("pk").first()
        if first is not None:
            self.stdout.write(f"已有超级管理员 {first.username}：未新建账号。")
            return self._next_steps()
        user = Staff(
            username=options["username"],
            full_name=options["full_name"],
            mobile=options["mobile"],
            roles=[Role.ADMIN],
            is_superuser=True,
        )
        password = self._password(options["password_file"])
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError("密码不符合要求：" + "；".join(exc.messages)) from None
        user.set_password(password)
        with transaction.atomic():
            user.save()
            audit("bootstrap_admin_created", obj=user, detail="首次运行创建超级管理员")
        self.stdout.write(f"✓ 已创建超级管理员 {user.username}（登录 {settings.SITE_URL}/admin/）")
        self._next_steps()

    def _check_settings(self) -> None:
        problems, warnings = [], []
        for message in checks.run_checks(include_deployment_checks=True):
            text = f"{message.id}: {message.msg}" + (f"（{message.hint}）" if message.hint else "")
            (problems if message.level >= checks.ERROR else warnings).append(text)
        if connection.vendor != "postgresql":
            warnings.append(f"数据库是 {connection.vendor}：生产环境请使用 PostgreSQL。")
        if not settings.SITE_URL.startswith("https://"):
            warnings.append(f"SITE_URL={settings.SITE_URL}：二维码上的地址应使用 https。")
        try:
            Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=settings.MEDIA_ROOT):
                pass
        except OSError as exc:
            problems.append(f"MEDIA_ROOT={settings.MEDIA_ROOT} 不可写：{exc}")
        try:
            cache.set("mashang:bootstrap", "ok", 10)
            if cache.get("mashang:bootstrap") != "ok":
                raise OSError("读回的值不一致")
        except Exception as exc:  # Redis down (without Redis, the cache table is created below)
            if settings.REDIS_URL:
                problems.append(f"缓存（REDIS_URL）不可用：{exc}")
        for w in warnings:
            self.stdout.write(f"! {w}")
        if problems:
            for p in problems:
                self.stderr.write(f"✗ {p}")
            raise CommandError(f"设置有 {len(problems)} 处问题，未做任何改动。")
        self.stdout.write("✓ 设置检查通过" + (f"（{len(warnings)} 条提醒）" if warnings else ""))

    def _password(self, path: str | None) -> str:
        if path:
            return Path(path).read_text(encoding="utf-8").strip()
        if os.environ.get(PASSWORD_ENV):
            return os.environ[PASSWORD_ENV]
        if not sys.stdin.isatty():
            raise CommandError(f"请用 --password-file 或环境变量 {PASSWORD_ENV} 提供管理员密码。")
        password = getpass.getpass("管理员密码：")
        if password != getpass.getpass("再输入一次："):
            raise CommandError("两次输入的密码不一致。")
        return password

    def _next_steps(self) -> None:
        self.stdout.write(
            "下一步：\n"
            "  manage.py import_directory 县目录.xlsx --passwords-out 初始密码.csv   （模板：manage.py export_directory 模板.xlsx）\n"
            "  manage.py sync_placements   （按张贴规则生成二维码张贴点）\n"
            "  manage.py posters --out posters.pdf   （打印海报）"
        )
