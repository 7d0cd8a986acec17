"""Uploaded files on the media disk: no partial file left when the disk is full, and no file
kept whose rows rolled back.

`MediaStorage` is the default storage (settings.STORAGES): a write that fails half-way (ENOSPC,
a quota) removes the partial file before the error goes on (Django's FileSystemStorage leaves it).
`files_follow_rows()` wraps an action that writes rows and files in one transaction: if it
raises, the files it saved are deleted too, so a refused upload leaves nothing behind.
"""

import contextlib
import os
import threading

from django.core.files.storage import FileSystemStorage

_local = threading.local()


class MediaStorage(FileSystemStorage):
    def _save(self, name, content):
        path = self.path(name)
        existed = os.path.exists(path)
        try:
            name = super()._save(name, content)
        except OSError:
            if not existed:
                with contextlib.suppress(OSError):
                    os.remove(path)
            raise
        stack = getattr(_local, "stack", None)
        if stack:
            stack[-1].append((self, name))
        return name


@contextlib.contextmanager
def files_follow_rows():
    """Files saved inside the block are deleted if the block raises (its transaction rolled
    back, so no row points at them)."""
    stack = getattr(_local, "stack", None)
    if stack is None:
        stack = _local.stack = []
    saved: list = []
    stack.append(saved)
    try:
        yield
    except BaseException:
        for storage, name in saved:
            with contextlib.suppress(OSError):
                storage.delete(name)
        raise
    finally:
        stack.pop()
        if stack and saved:
            stack[-1].extend(saved)  # an outer block that fails later removes them too
