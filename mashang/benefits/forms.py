from django import forms

from .choices import ImportKind, ParamKind
from .models import Policy


class PolicyForm(forms.ModelForm):
    class Meta:
        model = Policy
        fields = [
            "name",
            "issuer",
            "doc_number",
            "legal_reference",
            "valid_from",
            "valid_to",
            "target",
            "period_kind",
            "amount_formula",
            "four_eyes_above",
        ]
        widgets = {
            "valid_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "valid_to": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "amount_formula": forms.TextInput(attrs={"size": 60, "class": "code"}),
            "legal_reference": forms.TextInput(attrs={"size": 60}),
        }
        help_texts = {
            "amount_formula": "如 unemployment_paid * rate；参数 cap 存在时金额不超过它。",
            "doc_number": "如 衡南政发〔2026〕3号",
        }


class ConditionForm(forms.Form):
    label = forms.CharField(label="条件说明", max_length=60)
    expression = forms.CharField(
        label="条件表达式",
        max_length=500,
        widget=forms.TextInput(attrs={"size": 60, "class": "code"}),
    )


class ParameterForm(forms.Form):
    key = forms.CharField(label="参数名", max_length=40, widget=forms.TextInput(attrs={"size": 14}))
    label = forms.CharField(label="说明", max_length=60, widget=forms.TextInput(attrs={"size": 14}))
    kind = forms.ChoiceField(label="类型", choices=[("", "请选择"), *ParamKind.choices])
    valid_from = forms.DateField(
        label="起始日期", widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    value = forms.CharField(label="值", max_length=500, widget=forms.TextInput(attrs={"size": 24}))


ConditionFormSet = forms.formset_factory(ConditionForm, extra=1, can_delete=True)
ParameterFormSet = forms.formset_factory(ParameterForm, extra=1, can_delete=True)


def kept(formset) -> list[dict]:
    """The filled rows of a valid formset, without the deleted and the blank ones."""
    return [
        f.cleaned_data for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")
    ]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="数据类别", choices=ImportKind.choices)
    source = forms.CharField(label="数据来源", max_length=100, help_text="如：县人社局社保数据")
    file = forms.FileField(label="文件（.xlsx 或 .csv）")
