"""Validated GET filters for staff list pages: one small form per list, bounded fields here.

A number or a date typed into a URL must never reach timedelta, timezone arithmetic or the
database unbounded (`?waiting=99999999999`, `?from=0001-01-01` were OverflowError 500s). A
refused field is ignored, and the person is told which and why; the page still answers.
"""

import re
from datetime import date

from django import forms
from django.contrib import messages

YEARS = (2000, 2100)
MAX_ID = 2**31 - 1


class DayField(forms.DateField):
    """An ISO date (2026-11-01) between YEARS."""

    def __init__(self, **kwargs):
        super().__init__(input_formats=["%Y-%m-%d"], required=False, **kwargs)
        self.error_messages["invalid"] = "日期应写成 2026-11-01 这样"

    def validate(self, value: date | None):
        super().validate(value)
        if value and not YEARS[0] <= value.year <= YEARS[1]:
            raise forms.ValidationError(f"日期应在{YEARS[0]}年到{YEARS[1]}年之间")


class MonthField(forms.CharField):
    """A month (2026-11) between YEARS."""

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=7, **kwargs)

    def validate(self, value: str):
        super().validate(value)
        if not value:
            return
        match = re.fullmatch(r"(\d{4})-(\d{2})", value)
        if not match or not 1 <= int(match.group(2)) <= 12:
            raise forms.ValidationError("月份应写成 2026-11 这样")
        if not YEARS[0] <= int(match.group(1)) <= YEARS[1]:
            raise forms.ValidationError(f"月份应在{YEARS[0]}年到{YEARS[1]}年之间")


def bounded_int(low: int, high: int) -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        min_value=low,
        max_value=high,
        error_messages={
            "invalid": "应为整数",
            "min_value": f"应在{low}到{high}之间",
            "max_value": f"应在{low}到{high}之间",
        },
    )


def division_code() -> forms.RegexField:
    return forms.RegexField(
        r"^\d{6,15}$", required=False, error_messages={"invalid": "应为6到15位区划代码"}
    )


def choice(choices) -> forms.ChoiceField:
    return forms.ChoiceField(
        choices=[("", "")] + list(choices),
        required=False,
        error_messages={"invalid_choice": "不是可选的值"},
    )


class FilterForm(forms.Form):
    """A list's GET filters. `valid(request)` gives the raw values that passed as a dict."""

    @classmethod
    def valid(cls, request, *, tell: bool = True) -> dict[str, str]:
        form = cls(request.GET)
        form.is_valid()
        values = {}
        for name, field in form.fields.items():
            raw = request.GET.get(name, "")
            if not raw:
                continue
            if name in form.errors:
                if tell:
                    label = field.label or name
                    messages.warning(
                        request, f"筛选条件“{label}”不正确（{form.errors[name][0]}），已忽略。"
                    )
                continue
            values[name] = raw
        return values
