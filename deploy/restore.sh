#!/usr/bin/env bash
# 码上办 restore: a set written by backup.sh into an EMPTY database and an empty media folder.
#
#   createdb -O mashang mashang_restored
#   DATABASE_URL=postgres://…/mashang_restored MEDIA_ROOT=/var/lib/mashang/media-restored \
#     deploy/restore.sh /var/backups/mashang 20261126T020000Z
#
# Checks the checksums first; stops at the first error (nothing is half-restored silently).
set -euo pipefail
src=${1:?usage: restore.sh BACKUP_DIR STAMP}
stamp=${2:?usage: restore.sh BACKUP_DIR STAMP}
: "${DATABASE_URL:?DATABASE_URL is not set (the empty target database)}"
: "${MEDIA_ROOT:?MEDIA_ROOT is not set (the empty target folder)}"
(cd "$src" && sha256sum --check --quiet "mashang-$stamp.sha256")
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction \
  --dbname "$DATABASE_URL" "$src/mashang-$stamp.dump"
mkdir -p "$MEDIA_ROOT"
tar -C "$MEDIA_ROOT" -xzf "$src/media-$stamp.tar.gz"
echo "restored $stamp"
