#!/usr/bin/env bash
# 码上办 backup: the PostgreSQL database (pg_dump, custom format) and the uploaded files
# (MEDIA_ROOT), stamped alike, with a checksum file; old sets beyond BACKUP_KEEP_DAYS are removed.
#
#   DATABASE_URL=postgres://… MEDIA_ROOT=/var/lib/mashang/media deploy/backup.sh /var/backups/mashang
#
# The systemd timer mashang-backup.timer runs it nightly with /etc/mashang/mashang.env.
# Prints the stamp of the set it wrote (restore.sh takes it).
set -euo pipefail
dest=${1:?usage: backup.sh DEST_DIR}
: "${DATABASE_URL:?DATABASE_URL is not set}"
: "${MEDIA_ROOT:?MEDIA_ROOT is not set}"
keep=${BACKUP_KEEP_DAYS:-30}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
umask 077
mkdir -p "$dest"
pg_dump --format=custom --no-owner --no-privileges --file "$dest/mashang-$stamp.dump" "$DATABASE_URL"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -czf "$dest/media-$stamp.tar.gz" .
(cd "$dest" && sha256sum "mashang-$stamp.dump" "media-$stamp.tar.gz" > "mashang-$stamp.sha256")
find "$dest" -maxdepth 1 -type f \( -name 'mashang-*' -o -name 'media-*' \) -mtime +"$keep" -delete
echo "$stamp"
