"""Files an applicant chose on a submit that failed (a required upload missing, a typo in the
ID number): kept so the next submit need not upload them again.

Only files that passed `uploads.clean_material` are kept, already re-encoded. They are stored
under `pending/` in the media storage with a random name, and the session alone knows where:
the session maps the form's token to {material type id: [{path, name, type}]}. No view serves
them; they are read back only by the same session's next submit, or deleted by the hourly
purge (`purge`) once older than `MAX_AGE`, or as soon as the application is filed.
"""

import os
import uuid
from datetime import timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from .uploads import CleanFile

SESSION_KEY = "apply_pending"
FOLDER = "pending"
MAX_AGE = timedelta(hours=24)
MAX_TOKENS = 5  # forms kept per session: the oldest is dropped first


def _display_name(upload) -> str:
    name = os.path.basename(str(getattr(upload, "name", "") or "")).strip()
    return name[:80] or "文件"


def _entries(session, token: str) -> dict:
    return (session.get(SESSION_KEY) or {}).get(token) or {}


def kept_names(session, token: str) -> dict[int, list[str]]:
    """{material type id: [file names]} of what this session keeps for the form `token`."""
    return {int(pk): [f["name"] for f in files] for pk, files in _entries(session, token).items()}


def load(session, token: str) -> dict[int, list[CleanFile]]:
    """The kept files as CleanFiles (a file the purge already removed is skipped)."""
    out = {}
    for pk, files in _entries(session, token).items():
        for f in files:
            if not f["path"].startswith(f"{FOLDER}/") or not default_storage.exists(f["path"]):
                continue
            with default_storage.open(f["path"], "rb") as handle:
                data = handle.read()
            suffix = "pdf" if f["type"] == "application/pdf" else "jpg"
            content = ContentFile(data, name=f"material.{suffix}")
            out.setdefault(int(pk), []).append(CleanFile(content, f["type"]))
    return out


def keep(session, token: str, cleaned: dict[int, list[tuple[CleanFile, object]]]) -> None:
    """Keep the checked files of a failed submit; a material chosen again replaces its old
    files. `cleaned` maps a material type id to (CleanFile, the upload it came from)."""
    if not token or not cleaned:
        return
    store = dict(session.get(SESSION_KEY) or {})
    entries = dict(store.get(token) or {})
    written = []
    try:
        for pk, pairs in cleaned.items():
            saved = []
            for clean, upload in pairs:
                suffix = "pdf" if clean.content_type == "application/pdf" else "jpg"
                clean.content.seek(0)
                path = default_storage.save(
                    f"{FOLDER}/{uuid.uuid4().hex}.{suffix}", ContentFile(clean.content.read())
                )
                clean.content.seek(0)
                written.append({"path": path})
                name = _display_name(upload)
                saved.append({"path": path, "name": name, "type": clean.content_type})
            _delete(entries.get(str(pk), []))
            entries[str(pk)] = saved
    except OSError:
        _delete(written)  # a full disk: keep nothing half-written (the old files stay)
        raise
    store.pop(token, None)
    store[token] = entries
    while len(store) > MAX_TOKENS:
        oldest = next(iter(store))
        for files in store.pop(oldest).values():
            _delete(files)
    session[SESSION_KEY] = store


def discard(session, token: str) -> None:
    """The application is filed (or the form abandoned): its kept files go."""
    store = dict(session.get(SESSION_KEY) or {})
    entries = store.pop(token, None)
    if entries is None:
        return
    for files in entries.values():
        _delete(files)
    session[SESSION_KEY] = store


def _delete(files: list[dict]) -> None:
    for f in files:
        if f["path"].startswith(f"{FOLDER}/"):
            default_storage.delete(f["path"])


def purge(now=None) -> int:
    """Delete kept files older than MAX_AGE (sessions that never came back). Returns the count."""
    now = now or timezone.now()
    try:
        _dirs, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return 0
    removed = 0
    for name in names:
        path = f"{FOLDER}/{name}"
        if now - default_storage.get_modified_time(path) > MAX_AGE:
            default_storage.delete(path)
            removed += 1
    return removed
