"""Citizens' and units' photos: the shared upload rules live in `mashang.core.uploads`."""

from mashang.core.uploads import (  # noqa: F401  (the names this app has always used)
    MAX_BYTES,
    MAX_PIXELS,
    MAX_SIDE,
    CleanPhoto,
    PendingImage,
    PhotoError,
    accept_images,
    clean_photo,
    decode_images,
    inspect_images,
)
