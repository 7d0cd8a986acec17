import csv
import os
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from mashang.directory.exchange import ImportRejected, import_directory
from mashang.directory.models import Staff


class Command(BaseCommand):
    help = (
        "Import a county's directory (divisions, units, positions, staff) from the Excel "
        "template of export_directory: every row is checked first, nothing is written if any "
        "row is wrong, importing again updates without duplicating."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the .xlsx file")
        parser.add_argument(
            "--actor",
            help="import with this administrator's rights and name in the audit log "
            "(default: the server operator, who may also import 纪检干部 accounts)",
        )
        parser.add_argument(
            "--passwords-out",
            help="give new accounts a random initial password and write them to this CSV "
            "file (readable by its owner only); without it new accounts get no usable "
            "password until an administrator sets one",
        )

    def handle(self, *args, file, actor=None, passwords_out=None, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        acting_user = None
        if actor:
            acting_user = Staff.objects.filter(username=actor, is_active=True).first()
            if acting_user is None or not acting_user.is_staff:
                raise CommandError(f"{actor} 不是有效的系统管理员账号。")
        if passwords_out and Path(passwords_out).exists():
            raise CommandError(f"{passwords_out} 已存在：不会覆盖初始密码文件。")
        try:
            with path.open("rb") as f:
                result = import_directory(
                    f,
                    acting_user=acting_user,
                    initial_passwords=bool(passwords_out),
                    stream=self.stderr,
                )
        except ImportRejected as exc:
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(
                f"导入未执行：共 {len(exc.errors)} 处问题，请修改后重新导入。"
            ) from None
        if passwords_out and result.initial_passwords:
            fd = os.open(passwords_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(["用户名", "初始密码"])
                writer.writerows(result.initial_passwords)
            self.stdout.write(
                f"{len(result.initial_passwords)} 个新账号的初始密码已写入 {passwords_out}"
                "（请分发后删除该文件）。"
            )
        self.stdout.write(f"导入完成：{result.summary()}")
