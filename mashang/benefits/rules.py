"""Policy rules as data: typed rule-engine expressions over known fields and dated parameters.

Why rule-engine (zeroSteiner/rule-engine, BSD-3): it parses a small typed expression
language, resolves every symbol against a declared type map when the rule is *saved* (an
unknown field or a comparison of text with a number is refused then, not at run time), never
calls Python code, and computes with Decimal. OpenFisca has dated parameters and traces but is
AGPL and built around national tax-benefit models (entities, YAML parameter trees, a Python
formula per variable): policy officers could not edit its rules in a web page. simpleeval and
asteval evaluate Python syntax without types. Dated parameters and the Chinese trace are ours:
each condition is evaluated on its own and its operands are written into the trace.
"""

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import rule_engine
from rule_engine import DataType
from rule_engine.ast import ComparisonExpression, ExpressionBase

from .choices import ParamKind, PeriodKind, Target

CENT = Decimal("0.01")
SYMBOL = re.compile(r"^[a-z_][a-z0-9_]*$")


@dataclass(frozen=True)
class Field:
    label: str
    type: object  # a rule_engine DataType
    fmt: str = "number"  # number, money, percent, bool, yesno, text
    hint: str = ""


FIELDS = {
    Target.FIRM: {
        "industry": Field("行业", DataType.STRING, "text", "如 制造业、批发和零售业"),
        "size": Field("企业规模", DataType.STRING, "text", "大型、中型、小型、微型"),
        "township": Field("所属乡镇", DataType.STRING, "text"),
        "insured": Field("参保人数", DataType.FLOAT, "number", "期末（按年为12月，按月为当月）"),
        "insured_avg": Field("月均参保人数", DataType.FLOAT, "number"),
        "layoff_rate": Field(
            "裁员率",
            DataType.FLOAT,
            "percent",
            "（1月参保人数 − 期末参保人数）÷ 1月参保人数，未减员为 0",
        ),
        "unemployment_paid": Field("实际缴纳失业保险费", DataType.FLOAT, "money", "元，该年度"),
        "social_paid": Field("社保单位缴费", DataType.FLOAT, "money", "元，该年度"),
        "loan_interest": Field("创业担保贷款利息", DataType.FLOAT, "money", "元，该年度"),
        "dishonest": Field("失信记录", DataType.BOOLEAN, "bool", "true 表示有失信记录"),
    },
    Target.PERSON: {
        "age": Field("年龄", DataType.FLOAT, "number", "周岁，按期间首日计算"),
        "hukou_local": Field("本县户籍", DataType.BOOLEAN, "bool"),
        "township": Field("所属乡镇", DataType.STRING, "text"),
        "village": Field("村（社区）", DataType.STRING, "text"),
        "deceased": Field("已故", DataType.BOOLEAN, "bool"),
    },
}

PARAM_TYPES = {
    ParamKind.NUMBER: DataType.FLOAT,
    ParamKind.PERCENT: DataType.FLOAT,
    ParamKind.MONEY: DataType.FLOAT,
    ParamKind.TEXT_LIST: DataType.ARRAY(DataType.STRING),
}
PARAM_FMT = {
    ParamKind.NUMBER: "number",
    ParamKind.PERCENT: "percent",
    ParamKind.MONEY: "money",
    ParamKind.TEXT_LIST: "list",
}
CAP = "cap"  # a parameter with this name caps the amount


class RuleError(ValueError):
    """A rule that cannot be saved or run; the message is shown as it is."""


# ---------------------------------------------------------------- money and formatting


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def yuan(value) -> str:
    """28980 → "28,980.00"."""
    return f"{money(value):,.2f}"


def fmt(value, kind: str) -> str:
    if isinstance(value, bool) or kind in ("bool", "yesno"):
        if kind == "yesno":
            return "有" if value else "无"
        return "是" if value else "否"
    if kind == "money":
        return yuan(value)
    if kind == "percent":
        pct = (Decimal(value) * 100).quantize(CENT, rounding=ROUND_HALF_UP).normalize()
        return f"{pct:f} %"
    if kind == "list" or isinstance(value, list | tuple):
        return "〔" + "、".join(str(v) for v in value) + "〕"
    if kind == "text":
        return f"“{value}”"
    if isinstance(value, Decimal):
        return f"{value.normalize():f}" if value == value.to_integral() else f"{value:f}"
    return str(value)


# ---------------------------------------------------------------- periods


def parse_period(value: str, kind: str) -> date:
    """ "2025" (按年) or "2026-07" (按月) → its first day; RuleError otherwise."""
    value = (value or "").strip()
    try:
        if kind == PeriodKind.YEAR:
            if not re.fullmatch(r"\d{4}", value):
                raise ValueError
            return date(int(value), 1, 1)
        if not re.fullmatch(r"\d{4}-\d{2}", value):
            raise ValueError
        return date(int(value[:4]), int(value[5:]), 1)
    except ValueError as exc:
        example = "2025" if kind == PeriodKind.YEAR else "2026-07"
        raise RuleError(f"期间应写作 {example} 这样的格式") from exc


def period_label(value: str) -> str:
    return f"{value}年度" if len(value) == 4 else f"{value[:4]}年{int(value[5:])}月"


# ---------------------------------------------------------------- parameters


def parse_param(kind: str, raw: str):
    raw = (raw or "").strip()
    if kind == ParamKind.TEXT_LIST:
        items = [p for p in re.split(r"[,，、;；\s]+", raw) if p]
        if not items:
            raise RuleError("文字列表不能为空，多项用顿号或逗号分隔")
        return items
    try:
        number = Decimal(raw.replace(",", ""))
    except InvalidOperation as exc:
        raise RuleError(f"“{raw}”不是数字") from exc
    if not number.is_finite():
        raise RuleError(f"“{raw}”不是数字")
    if kind == ParamKind.PERCENT:
        return number / 100
    if kind == ParamKind.MONEY:
        return money(number)
    return number


def params_on(parameters: list[dict], day: date) -> dict[str, dict]:
    """Each parameter's value in force on `day`: the latest row that starts on or before it."""
    chosen: dict[str, dict] = {}
    for p in sorted(parameters, key=lambda p: p["valid_from"]):
        if date.fromisoformat(p["valid_from"]) <= day:
            chosen[p["key"]] = p
    return chosen


# ---------------------------------------------------------------- checking and compiling


def context_for(target: str, parameters: list[dict]) -> rule_engine.Context:
    types = {name: f.type for name, f in FIELDS[target].items()}
    for p in parameters:
        types[p["key"]] = PARAM_TYPES[p["kind"]]
    return rule_engine.Context(type_resolver=rule_engine.type_resolver_from_dict(types))


def _compile(text: str, context, expected, what: str) -> rule_engine.Rule:
    text = (text or "").strip()
    if not text:
        raise RuleError(f"{what}不能为空")
    try:
        rule = rule_engine.Rule(text, context=context)
    except rule_engine.errors.SymbolResolutionError as exc:
        raise RuleError(f"{what}引用了未知的字段或参数“{exc.symbol_name}”") from exc
    except rule_engine.errors.RuleSyntaxError as exc:
        raise RuleError(f"{what}写法有误（语法错误），请检查括号、引号和运算符") from exc
    except rule_engine.errors.EngineError as exc:
        raise RuleError(f"{what}类型不符（如把文字和数字比较）：{exc.message}") from exc
    _check_comparisons(rule.statement.expression, what)
    got = rule.statement.expression.result_type
    if got is not DataType.UNDEFINED and got != expected:
        need = "判断（结果为是或否）" if expected == DataType.BOOLEAN else "数值"
        raise RuleError(f"{what}的结果应为{need}")
    return rule


def _check_comparisons(node, what: str) -> None:
    """rule-engine lets `==` compare a yes/no with text (always false): refuse it as a typo."""
    if isinstance(node, ComparisonExpression):
        left, right = node.left.result_type, node.right.result_type
        known = DataType.UNDEFINED not in (left, right)
        if known and not DataType.is_compatible(left, right):
            raise RuleError(f"{what}类型不符：两边一个是{_kind(left)}，一个是{_kind(right)}")
    for value in vars(node).values():
        children = value if isinstance(value, list | tuple) else [value]
        for child in children:
            if isinstance(child, ExpressionBase):
                _check_comparisons(child, what)


def _kind(data_type) -> str:
    if data_type == DataType.BOOLEAN:
        return "是/否"
    if data_type == DataType.FLOAT:
        return "数值"
    if data_type == DataType.STRING:
        return "文字"
    return "列表"


def check_rules(rules: dict) -> dict[str, str]:
    """Every error of a policy's rules, keyed by where it is: empty when the rules are sound."""
    errors: dict[str, str] = {}
    target = rules["target"]
    fields = FIELDS[target]
    seen: dict[str, tuple[str, str]] = {}
    for i, p in enumerate(rules["parameters"]):
        where = f"parameters-{i}"
        key = p["key"]
        if not SYMBOL.match(key):
            errors[where] = f"参数名“{key}”只能用小写字母、数字和下划线，且不以数字开头"
            continue
        if key in fields:
            errors[where] = f"参数名“{key}”与数据字段重名"
            continue
        if key in seen and seen[key] != (p["label"], p["kind"]):
            errors[where] = f"参数“{key}”各日期的说明和类型应一致"
            continue
        seen[key] = (p["label"], p["kind"])
        try:
            parse_param(p["kind"], p["value"])
        except RuleError as exc:
            errors[where] = f"参数“{key}”的值：{exc}"
    if CAP in seen and seen[CAP][1] not in (ParamKind.MONEY, ParamKind.NUMBER):
        errors.setdefault("parameters", "上限参数 cap 应为金额")
    if errors:
        return errors
    context = context_for(target, rules["parameters"])
    if not rules["conditions"]:
        errors["conditions"] = "至少需要一个条件"
    for i, c in enumerate(rules["conditions"]):
        try:
            _compile(c["expression"], context, DataType.BOOLEAN, f"条件“{c['label']}”")
        except RuleError as exc:
            errors[f"conditions-{i}"] = str(exc)
    try:
        _compile(rules["amount_formula"], context, DataType.FLOAT, "金额公式")
    except RuleError as exc:
        errors["amount_formula"] = str(exc)
    return errors


# ---------------------------------------------------------------- traces

TOKEN = re.compile(
    r"""(?P<str>'[^']*'|"[^"]*")|(?P<num>\d+(?:\.\d+)?)|(?P<sym>\$?[A-Za-z_][A-Za-z0-9_]*)"""
    r"""|(?P<op>>=|<=|==|!=|=~~|=~|!~~|!~|\*\*|//|[-+*/%<>()\[\],?:])|(?P<ws>\s+)"""
)
WORDS = {"and": "且", "or": "或", "not": "非", "true": "是", "false": "否", "in": "属于"}
OPS = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", "*": "×", "/": "÷", "?": "？", ":": "："}


def _tokens(text: str) -> list[tuple[str, str]]:
    out = []
    for m in TOKEN.finditer(text):
        kind = m.lastgroup
        if kind != "ws":
            out.append((kind, m.group()))
    return out


def _render(tokens, values: dict, formats: dict[str, str], labels: dict[str, str]) -> str:
    parts = []
    for kind, tok in tokens:
        if kind == "sym" and tok in values:
            shown = fmt(values[tok], formats[tok])
            parts.append(f"{labels[tok]} {shown}" if tok in labels else shown)
        elif kind == "sym":
            parts.append(WORDS.get(tok, tok))
        elif kind == "str":
            parts.append(f"“{tok[1:-1]}”")
        elif kind == "op":
            parts.append(OPS.get(tok, tok))
        else:
            parts.append(tok)
    return " ".join(parts).replace("( ", "(").replace(" )", ")").replace(" ,", ",")


@dataclass
class Decision:
    eligible: bool
    amount: Decimal
    trace: str


def _runtime(text: str, context, expected, what: str) -> rule_engine.Rule:
    """Type-check against the declared fields, then evaluate without re-checking each value:
    the facts are built by runs.py with the declared types (about twice as fast)."""
    _compile(text, context, expected, what)
    return rule_engine.Rule(text.strip(), context=rule_engine.Context())


class CompiledPolicy:
    """A revision's rules, compiled once, ready to decide record after record for one period."""

    def __init__(self, rules: dict, period: str):
        self.target = rules["target"]
        self.first_day = parse_period(period, rules["period_kind"])
        chosen = params_on(rules["parameters"], self.first_day)
        missing = sorted({p["key"] for p in rules["parameters"]} - set(chosen))
        if missing:
            raise RuleError(
                f"参数“{'、'.join(missing)}”在 {self.first_day:%Y-%m-%d} 还没有生效的值"
            )
        context = context_for(self.target, list(chosen.values()))
        self.params = {k: parse_param(p["kind"], p["value"]) for k, p in chosen.items()}
        self.param_formats = {k: PARAM_FMT[p["kind"]] for k, p in chosen.items()}
        self.fields = FIELDS[self.target]
        self.formats = {k: f.fmt for k, f in self.fields.items()} | self.param_formats
        self.labels = {k: f.label for k, f in self.fields.items()}
        self.conditions = [
            (
                c["label"],
                _runtime(c["expression"], context, DataType.BOOLEAN, f"条件“{c['label']}”"),
                _tokens(c["expression"]),
            )
            for c in rules["conditions"]
        ]
        self.amount = _runtime(rules["amount_formula"], context, DataType.FLOAT, "金额公式")
        self.amount_tokens = _tokens(rules["amount_formula"])
        self.cap = self.params.get(CAP)
        self.values_in_force = {k: fmt(v, self.param_formats[k]) for k, v in self.params.items()}

    def decide(self, facts: dict) -> Decision:
        values = {**facts, **self.params}
        steps = []
        eligible = True
        for label, rule, tokens in self.conditions:
            shown = _render(tokens, values, self.formats, self.labels)
            try:
                ok = bool(rule.evaluate(values))
            except rule_engine.errors.EngineError as exc:
                steps.append(f"{label}：无法判定（{exc.message}）✗")
                eligible = False
                continue
            steps.append(f"{label}：{shown} {'✓' if ok else '✗'}")
            eligible = eligible and ok
        if not eligible:
            return Decision(False, Decimal("0.00"), "；".join(steps) + "。不符合条件")
        shown = _render(self.amount_tokens, values, self.formats, self.labels)
        try:
            raw = Decimal(self.amount.evaluate(values))
        except (rule_engine.errors.EngineError, InvalidOperation, ArithmeticError) as exc:
            steps.append(f"金额无法计算（{exc}）")
            return Decision(False, Decimal("0.00"), "；".join(steps) + "。不予发放")
        amount = money(raw)
        step = (
            f"金额 = {yuan(amount)} 元"
            if shown == fmt(raw, "money")
            else (f"金额 = {shown} = {yuan(amount)} 元")
        )
        if self.cap is not None and amount > self.cap:
            amount = money(self.cap)
            step += f"，超过上限，按上限 {yuan(amount)} 元"
        steps.append(step)
        if amount <= 0:
            return Decision(False, Decimal("0.00"), "；".join(steps) + "。金额为零，不予发放")
        return Decision(True, amount, "；".join(steps))
