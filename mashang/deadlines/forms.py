"""The efficiency page's filter."""

from mashang.core.filters import DayField, FilterForm

EfficiencyFilter = type(
    "EfficiencyFilter",
    (FilterForm,),
    {
        "from": DayField(label="受理日期从"),
        "to": DayField(label="至"),
        "__module__": __name__,
        "__doc__": "Validated GET filters of the efficiency page.",
    },
)
