"""Metric math: the Expression of a GetMetricData query or an alarm's Metrics.

    expression := or ; or := and ("OR"|"||" and)* ; and := compare ("AND"|"&&" compare)*
    compare := sum (("=="|"!="|"<="|">="|"<"|">") sum)? ; sum := product (("+"|"-") product)*
    product := power (("*"|"/") power)* ; power := unary ("^" power)?
    unary := ("-"|"!"|"NOT") unary | atom
    atom := number | string | id | NAME "(" args ")" | "[" args "]" | "(" expression ")"

Values are scalars, time series (timestamp -> value, with their period) and arrays of time
series. Between two series an operator yields a value only where both have one (FILL
supplies the missing ones); between a series and a scalar it applies to every datapoint.
SUM, AVG, MIN, MAX and STDDEV of one series give a scalar, of an array a series (per
timestamp). Comparisons give 1 or 0.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/using-metric-math.html
"""

from __future__ import annotations

import itertools
import math
import re
import statistics
from collections.abc import Callable, Mapping

from lamina.aws.service import ServiceError


class Series:
    """One time series: values by period start (epoch seconds), all `period` apart."""

    __slots__ = ("label", "period", "points")

    def __init__(self, points: dict[int, float], period: int, label: str = "") -> None:
        self.points = points
        self.period = period
        self.label = label


Value = float | Series | list[Series]
Node = Callable[["Context"], Value]


class Context:
    """What an expression sees: the other queries' results by id, the time range's grid."""

    def __init__(
        self,
        series: Mapping[str, Value],
        start: int,
        end: float,
        period: int,
        metric_ids: tuple[str, ...] = (),
    ) -> None:
        self.series = series
        self.start = start
        self.end = end
        self.period = period
        self.metric_ids = metric_ids
        """The MetricStat queries' ids, in the request's order (what METRICS() returns)."""

    def grid(self, period: int) -> list[int]:
        step = period or self.period
        return list(range(self.start, math.ceil(self.end), step))


def error(message: str) -> ServiceError:
    return ServiceError("ValidationError", message, status=400)


# -- lexing ------------------------------------------------------------------------------
_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?)"
    r'|(?P<string>"[^"]*")'
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[-+*/^<>!(),\[\]]))"
)


def _tokens(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise error(f"Syntax error in metric math expression {text!r} at {position + 1}.")
        kind = match.lastgroup or "op"
        tokens.append((kind, match.group(kind)))
        position = match.end()
    return tokens


# -- parsing -----------------------------------------------------------------------------
class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokens(text)
        self.at = 0

    def parse(self) -> Node:
        node = self.logical_or()
        if self.at != len(self.tokens):
            raise error(f"Unexpected {self.tokens[self.at][1]!r} in expression {self.text!r}.")
        return node

    def peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise error(f"Expression {self.text!r} ends too early.")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise error(f"Expected {expected!r} but found {token[1]!r} in {self.text!r}.")
        self.at += 1
        return token

    def _binary(self, operators: Mapping[str, str], below: Callable[[], Node]) -> Node:
        node = below()
        while (token := self.peek()) is not None and token.upper() in operators:
            self.take()
            right = below()
            node = _operator(operators[token.upper()], node, right)
        return node

    def logical_or(self) -> Node:
        return self._binary({"OR": "or", "||": "or"}, self.logical_and)

    def logical_and(self) -> Node:
        return self._binary({"AND": "and", "&&": "and"}, self.compare)

    def compare(self) -> Node:
        ops = {o: o for o in ("==", "!=", "<=", ">=", "<", ">")}
        return self._binary(ops, self.sum)

    def sum(self) -> Node:
        return self._binary({"+": "+", "-": "-"}, self.product)

    def product(self) -> Node:
        return self._binary({"*": "*", "/": "/"}, self.power)

    def power(self) -> Node:
        base = self.unary()
        if self.peek() == "^":
            self.take()
            return _operator("^", base, self.power())
        return base

    def unary(self) -> Node:
        token = self.peek()
        if token == "-":
            self.take()
            operand = self.unary()
            return _operator("-", lambda ctx: 0.0, operand)
        if token is not None and token.upper() in ("!", "NOT"):
            self.take()
            operand = self.unary()
            return _operator("==", operand, lambda ctx: 0.0)
        return self.atom()

    def atom(self) -> Node:
        kind, text = self.take()
        if kind == "number":
            number = float(text)
            return lambda ctx: number
        if kind == "string":
            literal = text[1:-1]
            return lambda ctx: _Text(literal)  # type: ignore[return-value]
        if text == "(":
            node = self.logical_or()
            self.take(")")
            return node
        if text == "[":
            items = self.arguments("]")
            return lambda ctx: _array([item(ctx) for item in items])
        if kind == "name":
            if self.peek() == "(":
                self.take()
                return _function(text.upper(), self.arguments(")"), self.text)
            if text.upper() in ("REPEAT", "LINEAR"):
                keyword = text.upper()
                return lambda ctx: _Text(keyword)  # type: ignore[return-value]
            return _reference(text)
        raise error(f"Unexpected {text!r} in expression {self.text!r}.")

    def arguments(self, closing: str) -> list[Node]:
        items: list[Node] = []
        if self.peek() == closing:
            self.take()
            return items
        while True:
            items.append(self.logical_or())
            if self.take()[1] == closing:
                return items


class _Text(str):
    """A string argument (METRICS("label"), FILL's REPEAT / LINEAR)."""


def parse(expression: str) -> Node:
    return _Parser(expression).parse()


def references(expression: str) -> set[str]:
    """The query ids an expression names (for ordering and cycle checks)."""
    found: set[str] = set()
    tokens = _tokens(expression)
    for index, (kind, text) in enumerate(tokens):
        following = tokens[index + 1][1] if index + 1 < len(tokens) else None
        if kind == "name" and following != "(" and text.upper() not in _KEYWORDS:
            found.add(text)
    return found


_KEYWORDS = {"AND", "OR", "NOT", "REPEAT", "LINEAR"}


def _reference(name: str) -> Node:
    def value(ctx: Context) -> Value:
        if name not in ctx.series:
            raise error(f"Unknown metric or expression id {name!r} in a metric math expression.")
        return ctx.series[name]

    return value


def _array(items: list[Value]) -> list[Series]:
    flat: list[Series] = []
    for item in items:
        if isinstance(item, Series):
            flat.append(item)
        elif isinstance(item, list):
            flat.extend(item)
        else:
            raise error("An array in a metric math expression may hold only time series.")
    return flat


# -- operators ---------------------------------------------------------------------------
_OPERATORS: dict[str, Callable[[float, float], float]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if b != 0 else math.nan,
    "^": lambda a, b: _power(a, b),
    "==": lambda a, b: float(a == b),
    "!=": lambda a, b: float(a != b),
    "<=": lambda a, b: float(a <= b),
    ">=": lambda a, b: float(a >= b),
    "<": lambda a, b: float(a < b),
    ">": lambda a, b: float(a > b),
    "and": lambda a, b: float(bool(a) and bool(b)),
    "or": lambda a, b: float(bool(a) or bool(b)),
}


def _power(base: float, exponent: float) -> float:
    try:
        return float(base**exponent)
    except (OverflowError, ZeroDivisionError):
        return math.nan


def _operator(symbol: str, left: Node, right: Node) -> Node:
    apply = _OPERATORS[symbol]

    def value(ctx: Context) -> Value:
        return combine(apply, left(ctx), right(ctx))

    return value


def combine(apply: Callable[[float, float], float], a: Value, b: Value) -> Value:
    if isinstance(a, list) or isinstance(b, list):
        if isinstance(a, list) and isinstance(b, list):
            raise error("Operators between two arrays of time series are not supported.")
        if isinstance(a, list):
            assert not isinstance(b, list)
            return [_series_result(apply, s, b) for s in a]
        assert isinstance(b, list)
        return [_series_result(apply, a, s) for s in b]
    if isinstance(a, _Text) or isinstance(b, _Text):
        raise error("Operators in a metric math expression take numbers and time series.")
    if isinstance(a, Series) or isinstance(b, Series):
        return _series_result(apply, a, b)
    return apply(float(a), float(b))


def _series_result(
    apply: Callable[[float, float], float], a: float | Series, b: float | Series
) -> Series:
    if isinstance(a, Series) and isinstance(b, Series):
        points = {t: apply(v, b.points[t]) for t, v in a.points.items() if t in b.points}
        return Series(_finite(points), a.period or b.period)
    if isinstance(a, Series):
        right = float(b)  # type: ignore[arg-type]
        return Series(_finite({t: apply(v, right) for t, v in a.points.items()}), a.period)
    assert isinstance(b, Series)
    left = float(a)
    return Series(_finite({t: apply(left, v) for t, v in b.points.items()}), b.period)


def _finite(points: dict[int, float]) -> dict[int, float]:
    """Datapoints that are numbers (x/0 and overflows leave no datapoint)."""
    return {t: v for t, v in points.items() if math.isfinite(v)}


# -- functions ---------------------------------------------------------------------------
def _function(name: str, arguments: list[Node], text: str) -> Node:
    implementation = _FUNCTIONS.get(name)
    if implementation is None:
        raise error(
            f"The function {name} of expression {text!r} is not supported by Lamina "
            f"(supported: {', '.join(sorted(_FUNCTIONS))})."
        )

    def value(ctx: Context) -> Value:
        return implementation(ctx, [argument(ctx) for argument in arguments])

    return value


def _one(name: str, args: list[Value], count: int = 1) -> list[Value]:
    if len(args) != count:
        raise error(f"{name} takes {count} argument{'s' if count > 1 else ''}.")
    return args


def _series_of(name: str, value: Value) -> Series:
    if not isinstance(value, Series):
        raise error(f"{name} expects a time series.")
    return value


Function = Callable[[Context, list[Value]], Value]


def _per_point(name: str, apply: Callable[[float], float]) -> Function:
    def run(ctx: Context, args: list[Value]) -> Value:
        (value,) = _one(name, args)
        if isinstance(value, list):
            return [
                Series(_finite({t: apply(v) for t, v in s.points.items()}), s.period) for s in value
            ]
        if isinstance(value, Series):
            return Series(_finite({t: apply(v) for t, v in value.points.items()}), value.period)
        return apply(float(value))

    return run


def _safe(apply: Callable[[float], float]) -> Callable[[float], float]:
    def run(value: float) -> float:
        try:
            return apply(value)
        except (ValueError, OverflowError):
            return math.nan

    return run


def _reduce(name: str, reduce: Callable[[list[float]], float]) -> Function:
    """SUM(m) -> scalar; SUM([m1, m2]) -> series of the per-timestamp reduction."""

    def run(ctx: Context, args: list[Value]) -> Value:
        (value,) = _one(name, args)
        if isinstance(value, Series):
            values = list(value.points.values())
            return reduce(values) if values else math.nan
        if isinstance(value, list):
            stamps = sorted({t for s in value for t in s.points})
            points = {}
            for stamp in stamps:
                values = [s.points[stamp] for s in value if stamp in s.points]
                points[stamp] = reduce(values)
            period = value[0].period if value else ctx.period
            return Series(_finite(points), period)
        return float(value)

    return run


def _stddev(values: list[float]) -> float:
    return statistics.pstdev(values) if len(values) > 1 else 0.0


def _each_series(name: str, apply: Callable[[Series], Series]) -> Function:
    """A function of a time series that also takes an array (applied to each series)."""

    def run(ctx: Context, args: list[Value]) -> Value:
        (value,) = _one(name, args)
        if isinstance(value, list):
            return [apply(series) for series in value]
        return apply(_series_of(name, value))

    return run


def _diff(series: Series) -> Series:
    stamps = sorted(series.points)
    return Series(
        {t: series.points[t] - series.points[p] for p, t in itertools.pairwise(stamps)},
        series.period,
    )


def _rate(series: Series) -> Series:
    """Change per second between a datapoint and the one before it."""
    stamps = sorted(series.points)
    return Series(
        {t: (series.points[t] - series.points[p]) / (t - p) for p, t in itertools.pairwise(stamps)},
        series.period,
    )


def _running_sum(series: Series) -> Series:
    total, points = 0.0, {}
    for stamp in sorted(series.points):
        total += series.points[stamp]
        points[stamp] = total
    return Series(points, series.period)


def _fill(ctx: Context, args: list[Value]) -> Value:
    """FILL(m, value | REPEAT | LINEAR): a datapoint at every period of the range."""
    value, how = _one("FILL", args, 2)
    if isinstance(value, list):
        return [_fill_one(ctx, s, how) for s in value]
    return _fill_one(ctx, _series_of("FILL", value), how)


def _fill_one(ctx: Context, series: Series, how: Value) -> Series:
    grid = ctx.grid(series.period)
    known = series.points
    points: dict[int, float] = {}
    if isinstance(how, _Text) and how.upper() == "REPEAT":
        last: float | None = None
        for stamp in grid:
            if stamp in known:
                last = known[stamp]
            if last is not None:
                points[stamp] = last
        return Series(points, series.period)
    if isinstance(how, _Text) and how.upper() == "LINEAR":
        stamps = sorted(known)
        for stamp in grid:
            if stamp in known:
                points[stamp] = known[stamp]
                continue
            before = [t for t in stamps if t < stamp]
            after = [t for t in stamps if t > stamp]
            if before and after:
                t0, t1 = before[-1], after[0]
                share = (stamp - t0) / (t1 - t0)
                points[stamp] = known[t0] + (known[t1] - known[t0]) * share
        return Series(points, series.period)
    if isinstance(how, (Series, list, _Text)):
        raise error("FILL takes a number, REPEAT or LINEAR as its second argument.")
    filler = float(how)
    return Series({stamp: known.get(stamp, filler) for stamp in grid}, series.period)


def _if(ctx: Context, args: list[Value]) -> Value:
    """IF(condition, trueValue[, falseValue]): per datapoint; without falseValue a false
    condition leaves no datapoint."""
    if len(args) not in (2, 3):
        raise error("IF takes 2 or 3 arguments.")
    condition = args[0]
    if not isinstance(condition, Series):
        chosen = args[1] if condition else (args[2] if len(args) == 3 else math.nan)
        return chosen
    points = {}
    for stamp, flag in condition.points.items():
        branch = args[1] if flag else (args[2] if len(args) == 3 else None)
        if branch is None:
            continue
        if isinstance(branch, Series):
            if stamp in branch.points:
                points[stamp] = branch.points[stamp]
        elif isinstance(branch, list):
            raise error("IF does not take arrays.")
        else:
            points[stamp] = float(branch)
    return Series(points, condition.period)


def _period(ctx: Context, args: list[Value]) -> Value:
    (value,) = _one("PERIOD", args)
    if isinstance(value, Series):
        return float(value.period)
    raise error("PERIOD expects a time series.")


def _datapoint_count(ctx: Context, args: list[Value]) -> Value:
    (value,) = _one("DATAPOINT_COUNT", args)
    return float(len(_series_of("DATAPOINT_COUNT", value).points))


def _metrics(ctx: Context, args: list[Value]) -> Value:
    """METRICS() / METRICS("text"): every MetricStat query's series, or those whose label
    contains the text."""
    wanted = str(args[0]) if args else ""
    found: list[Series] = []
    for query_id in ctx.metric_ids:
        value = ctx.series.get(query_id)
        if isinstance(value, Series) and wanted in value.label:
            found.append(value)
    return found


def _time_series(ctx: Context, args: list[Value]) -> Value:
    (value,) = _one("TIME_SERIES", args)
    if isinstance(value, (Series, list)):
        raise error("TIME_SERIES expects a number.")
    return Series({stamp: float(value) for stamp in ctx.grid(ctx.period)}, ctx.period)


def _remove_empty(ctx: Context, args: list[Value]) -> Value:
    (value,) = _one("REMOVE_EMPTY", args)
    if isinstance(value, list):
        return [s for s in value if s.points]
    return value


_FUNCTIONS: dict[str, Function] = {
    "ABS": _per_point("ABS", abs),
    "CEIL": _per_point("CEIL", lambda v: float(math.ceil(v))),
    "FLOOR": _per_point("FLOOR", lambda v: float(math.floor(v))),
    "LOG": _per_point("LOG", _safe(math.log)),
    "LOG10": _per_point("LOG10", _safe(math.log10)),
    "SUM": _reduce("SUM", math.fsum),
    "AVG": _reduce("AVG", lambda values: math.fsum(values) / len(values)),
    "MIN": _reduce("MIN", min),
    "MAX": _reduce("MAX", max),
    "STDDEV": _reduce("STDDEV", _stddev),
    # DIFF, RATE and RUNNING_SUM take a time series or an array of them (e.g. RATE(METRICS())).
    "DIFF": _each_series("DIFF", _diff),
    "RATE": _each_series("RATE", _rate),
    "RUNNING_SUM": _each_series("RUNNING_SUM", _running_sum),
    "FILL": _fill,
    "IF": _if,
    "PERIOD": _period,
    "DATAPOINT_COUNT": _datapoint_count,
    "METRICS": _metrics,
    "TIME_SERIES": _time_series,
    "REMOVE_EMPTY": _remove_empty,
}
