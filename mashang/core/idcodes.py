"""National identity codes: 统一社会信用代码 (GB 32100-2015) and 居民身份证号 (GB 11643-1999)."""

import re

CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]


def credit_code_ok(code: str) -> bool:
    """GB 32100-2015: 18 characters, the last a check character over the first 17."""
    if len(code) != 18 or any(c not in CREDIT_CHARS for c in code):
        return False
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(code, CREDIT_WEIGHTS, strict=False))
    return CREDIT_CHARS[(31 - total % 31) % 31] == code[17]


def credit_code_with_check(first17: str) -> str:
    total = sum(CREDIT_CHARS.index(c) * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return first17 + CREDIT_CHARS[(31 - total % 31) % 31]


def id_number_ok(number: str) -> bool:
    """GB 11643-1999: 17 digits and a check digit (0-9 or X)."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(c) * w for c, w in zip(number, ID_WEIGHTS, strict=False))
    return "10X98765432"[total % 11] == number[17]


def id_number_with_check(first17: str) -> str:
    total = sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True))
    return first17 + "10X98765432"[total % 11]
