"""The database session store, remembering when the loaded session was to expire: enough to
renew its idle clock only when it has run for a while (core.middleware)."""

from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(DBStore):
    loaded_expiry = None  # the stored expire_date of the session as loaded, or None

    def _get_session_from_db(self):
        row = super()._get_session_from_db()
        self.loaded_expiry = row.expire_date if row is not None else None
        return row
