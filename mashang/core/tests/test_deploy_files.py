"""The production examples in deploy/ are valid as shipped."""

import shutil
import subprocess

import pytest

from .test_settings import ROOT, run_manage

DEPLOY = ROOT / "deploy"


def _example_env(tmp_path) -> dict:
    """deploy/mashang.env.example with its CHANGE-ME placeholders filled in."""
    fills = {
        "FIELD_ENCRYPTION_KEYS": "k2026:" + "ab" * 16,
        "BLIND_INDEX_KEY": "cd" * 32,
    }
    env = {}
    for line in (DEPLOY / "mashang.env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            env[name] = fills.get(name, value.replace("CHANGE-ME", "example"))
    (tmp_path / "secret_key").write_text(
        "q7Vf2-Lk9zP0xR4tYw8bN3mC6hJ1sD5gA-eU_iO2pKlZxQ9rT4vB8nM3cF6yH1jW"
    )
    env["SECRET_KEY_FILE"] = str(tmp_path / "secret_key")
    env["VAR_DIR"] = env["MEDIA_ROOT"] = str(tmp_path)
    return env


def test_the_example_env_file_passes_the_deploy_checks(tmp_path):
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env_extra=_example_env(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(not shutil.which("nginx"), reason="nginx not installed")
def test_the_nginx_site_is_valid(tmp_path):
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=t",
            "-keyout",
            str(tmp_path / "key.pem"),
            "-out",
            str(tmp_path / "cert.pem"),
        ],
        check=True,
        capture_output=True,
    )
    site = (DEPLOY / "nginx-mashang.conf").read_text(encoding="utf-8")
    site = site.replace("/etc/ssl/mashang/fullchain.pem", str(tmp_path / "cert.pem"))
    site = site.replace("/etc/ssl/mashang/privkey.pem", str(tmp_path / "key.pem"))
    site = site.replace("/var/log/nginx/", f"{tmp_path}/")
    (tmp_path / "site.conf").write_text(site, encoding="utf-8")
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log off; include {tmp_path}/site.conf; }}\n",
        encoding="utf-8",
    )
    result = subprocess.run(
        ["nginx", "-t", "-c", str(tmp_path / "nginx.conf"), "-p", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr


def test_the_backup_scripts_are_executable_shell():
    for name in ("backup.sh", "restore.sh"):
        script = DEPLOY / name
        assert script.stat().st_mode & 0o111
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
