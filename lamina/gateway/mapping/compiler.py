"""Mapping templates compiled to Python: airspeed's parse tree translated once into a Python
function, so a request runs plain Python instead of walking the tree node by node.

    text → airspeed parse (velocity.py's fixes applied) → Python source → one function
    render(namespace) → the same string the interpreter prints, the same errors

Every construct keeps the meaning velocity.py gives it, because the generated code calls the
same helpers (`output`, `truth`, the patched operators, the Java methods) and follows
airspeed's evaluation order: a binary operator computes its right operand first when its left
one is a plain value, nothing short-circuits, a call's arguments are computed only when the
method exists, `#set` writes to the innermost scope that already has the name. Scopes are
dicts (the template's own, one per `#foreach` iteration) over the caller's namespace, as
airspeed's LocalNamespace chain. A failing statement raises the interpreter's message ("Error
in template ... at position a-b in expression: ...").

Templates with constructs that are rare in API Gateway and depend on run-time scoping
(`#macro` and macro calls, `#define`, `#evaluate`, `#include`, `#parse`, `#stop`, an indexed
call result such as `$a.b()[$i]`) are not translated: `translate` returns None and
velocity.py runs airspeed's interpreter for them, so they behave exactly as before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import airspeed  # type: ignore[import-untyped]

from lamina.gateway.mapping.runtime import HELPERS, Where, failure

Render = Callable[[dict[str, Any]], str]


class Unsupported(Exception):
    """A construct this translator leaves to the interpreter."""


# --- the translator ----------------------------------------------------------------------------

_UNSUPPORTED = (
    airspeed.MacroDefinition,
    airspeed.MacroCall,
    airspeed.DefineDefinition,
    airspeed.EvaluateDirective,
    airspeed.IncludeDirective,
    airspeed.ParseDirective,
    airspeed.StopDirective,
    airspeed.UserDefinedDirective,
)
_LITERALS = (
    airspeed.IntegerLiteral,
    airspeed.FloatingPointLiteral,
    airspeed.BooleanLiteral,
    airspeed.NullLiteral,
)


class _Scope:
    """One scope of the generated code: its variable and the keys it always holds. A lean
    `#foreach` turn (nothing in its body can write a scope or see one) has no dict: its
    keys are Python expressions (`values`), and its `$foreach` map is built only when
    something reads it other than as `$foreach.count` / `.index` / `.hasNext` / `.first` /
    `.last` (`map_used`)."""

    __slots__ = ("fixed", "map_used", "name", "values")

    def __init__(
        self, name: str, fixed: frozenset[str] = frozenset(), values: dict[str, str] | None = None
    ) -> None:
        self.name = name
        self.fixed = fixed
        self.values = values
        self.map_used = False


_LOOP_PROPERTIES = frozenset({"count", "index", "hasNext", "first", "last"})


def _lean(block: Any) -> bool:
    """Whether nothing in a `#foreach` body writes a scope (`#set`) or receives the scopes
    (a "double-quoted" string with references or directives is a function of them)."""
    seen: set[int] = set()
    stack = [block]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is airspeed.SetDirective:
            return False
        if type(node) is airspeed.InterpolatedStringLiteral and not all(
            type(c) in (airspeed.Text, airspeed.FallthroughHashText) for c in node.block.children
        ):
            return False
        stack.extend(_children(node))
    return True


def _children(node: Any) -> list[Any]:
    found: list[Any] = []
    for value in vars(node).values():
        # Some elements keep only a bound method of a child (Condition, ElseBlock).
        value = getattr(value, "__self__", value)
        if isinstance(value, list | tuple):
            found.extend(value)
        elif isinstance(value, dict):
            found.extend([*value.keys(), *value.values()])
        else:
            found.append(value)
    return [c for c in found if isinstance(c, airspeed._Element)]


def _assigned(root: Any) -> frozenset[str]:
    """The names a `#set($name = ...)` anywhere in the template writes to a scope: any other
    name is never in a scope dict, so it is read from the namespace straight away."""
    names: set[str] = set()
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is airspeed.SetDirective and len(node.terms) == 1:
            names.add(node.terms[0])
        stack.extend(_children(node))
    return frozenset(names)


class _Translator:
    def __init__(self, assigned: frozenset[str]) -> None:
        self.assigned = assigned
        self.lines: list[str] = []
        self.constants: dict[str, Any] = {}
        self.functions: list[str] = []
        self.names: set[str] = set()
        self.counter = 0

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def constant(self, value: Any) -> str:
        name = self.fresh("_k")
        self.constants[name] = value
        return name

    # statements ---------------------------------------------------------------------------

    def block(self, block: Any, scopes: list[_Scope], indent: str, out: list[str]) -> None:
        start = len(out)
        for child in block.children:
            self.statement(child, scopes, indent, out)
        if len(out) == start:
            out.append(f"{indent}pass")

    def statement(self, node: Any, scopes: list[_Scope], indent: str, out: list[str]) -> None:
        kind = type(node)
        if kind in (airspeed.Text, airspeed.FallthroughHashText):
            out.append(f"{indent}w({node.text!r})")
            return
        if kind is airspeed.Comment:
            return
        if isinstance(node, _UNSUPPORTED):
            raise Unsupported(kind.__name__)
        body: list[str] = []
        inner = indent + "    "
        if kind is airspeed.FormalReference:
            body.append(f"{inner}w({self.printed(node, scopes)})")
        elif kind is airspeed.SetDirective:
            self.set(node, scopes, inner, body)
        elif kind is airspeed.IfDirective:
            self.if_(node, scopes, inner, body)
        elif kind is airspeed.ForeachDirective:
            self.foreach(node, scopes, inner, body)
        else:
            raise Unsupported(kind.__name__)
        where = self.constant(Where(node))
        out.append(f"{indent}try:")
        out.extend(body)
        out.append(f"{indent}except Failed:")
        out.append(f"{indent}    raise")
        out.append(f"{indent}except Exception as _e:")
        out.append(f"{indent}    raise _fail({where}, _e) from _e")

    def printed(self, node: Any, scopes: list[_Scope]) -> str:
        """What a reference statement writes (velocity._evaluate_reference)."""
        if node.expression is None:
            return repr(node.my_text())
        value = self.reference(node.expression, scopes)
        if node.alternate is not None:
            held = self.fresh("_a")
            alternate = self.value(node.alternate.expression.expression, scopes)
            value = f"({alternate} if ({held} := {value}) is None else {held})"
        held = self.fresh("_p")
        return f"({held} if type({held} := {value}) is str else _out({held}))"

    def set(self, node: Any, scopes: list[_Scope], indent: str, out: list[str]) -> None:
        value = self.fresh("_s")
        out.append(f"{indent}{value} = {self.expression(node.value, scopes)}")
        out.append(f"{indent}if {value} is not None:")
        terms = tuple(node.terms)
        if len(terms) > 1:
            first = self.strict(terms[0], scopes)
            out.append(f"{indent}    _assign({first}, {terms[1:]!r}, {value})")
            return
        name = terms[0]
        innermost = scopes[-1]
        if len(scopes) == 1 or name in innermost.fixed:
            out.append(f"{indent}    {innermost.name}[{name!r}] = {value}")
            return
        keyword = "if"
        for scope in reversed(scopes):
            if name in scope.fixed:
                out.append(f"{indent}    else:")
                out.append(f"{indent}        {scope.name}[{name!r}] = {value}")
                return
            out.append(f"{indent}    {keyword} {name!r} in {scope.name}:")
            out.append(f"{indent}        {scope.name}[{name!r}] = {value}")
            keyword = "elif"
        out.append(f"{indent}    else:")
        out.append(f"{indent}        {innermost.name}[{name!r}] = {value}")

    def strict(self, name: str, scopes: list[_Scope]) -> str:
        self.names.add(name)
        chain = ", ".join(scope.name for scope in reversed(scopes))
        return f"_strict({name!r}, {chain}, top)"

    def if_(self, node: Any, scopes: list[_Scope], indent: str, out: list[str]) -> None:
        condition = self.condition(node.condition, scopes)
        out.append(f"{indent}if {condition}:")
        self.block(node.block, scopes, indent + "    ", out)
        for elseif in node.elseifs:
            out.append(f"{indent}elif {self.condition(elseif.condition, scopes)}:")
            self.block(elseif.block, scopes, indent + "    ", out)
        else_block = node.else_block
        if isinstance(else_block, airspeed.ElseBlock):
            out.append(f"{indent}else:")
            self.block(else_block.block, scopes, indent + "    ", out)

    def condition(self, condition: Any, scopes: list[_Scope]) -> str:
        held = self.fresh("_c")
        expression = self.expression(condition.calculate.__self__, scopes)
        return f"(({held} := {expression}) is not None and {held} is not False)"

    def foreach(self, node: Any, scopes: list[_Scope], indent: str, out: list[str]) -> None:
        items, count, index, item = (self.fresh(p) for p in ("_l", "_n", "_i", "_x"))
        loop = node.loop_var_name
        fixed = frozenset({"velocityCount", "velocityHasNext", "foreach", loop})
        has_next = f"({index} < {count})"
        foreach = (
            f"JsonMap(count={index}, index={index} - 1, hasNext={has_next}, "
            f"first={index} == 1, last={index} == {count})"
        )
        name = self.fresh("s")
        values = None
        if _lean(node.block):
            properties = {
                "count": index,
                "index": f"({index} - 1)",
                "hasNext": has_next,
                "first": f"({index} == 1)",
                "last": f"({index} == {count})",
            }
            values = {"velocityCount": index, "velocityHasNext": has_next, "foreach": name}
            values |= {f"foreach.{key}": value for key, value in properties.items()}
            values[loop] = item  # the loop variable wins a clash, as in the scope dict
        scope = _Scope(name, fixed, values)
        out.append(f"{indent}{items} = _items({self.value(node.value.expression, scopes)})")
        out.append(f"{indent}if {items} is not None:")
        out.append(f"{indent}    {count} = len({items})")
        out.append(f"{indent}    for {index}, {item} in enumerate({items}, 1):")
        body_indent = indent + "        "
        body: list[str] = []
        self.block(node.block, [*scopes, scope], body_indent, body)
        if values is None:
            out.append(
                f"{body_indent}{name} = {{'velocityCount': {index}, "
                f"'velocityHasNext': {has_next}, 'foreach': {foreach}, {loop!r}: {item}}}"
            )
        elif scope.map_used and loop != "foreach":
            out.append(f"{body_indent}{name} = {foreach}")
        out.extend(body)

    # expressions --------------------------------------------------------------------------

    def expression(self, expression: Any, scopes: list[_Scope]) -> str:
        """airspeed's Expression.calculate (operator precedence, right operand first when the
        left one is a plain value), with the same operator functions."""
        terms = expression.expression
        if len(terms) == 1:
            return self.value(terms[0].expression, scopes)
        # Stacks as in Expression.calculate; an entry is (code, computed already).
        operators: list[Any] = []
        values: list[tuple[str, bool]] = [(self.value(terms[0].expression, scopes), False)]
        rest = terms[1:]

        def reduce() -> None:
            right_code, _ = values.pop()
            left_code, left_done = values.pop()
            operation = self.constant(operators.pop().apply_to)
            if left_done:
                values.append((f"{operation}({left_code}, {right_code})", True))
            else:
                values.append((f"_rev({operation}, {right_code}, {left_code})", True))

        while rest:
            if not operators or rest[0].greater_precedence_than(operators[-1]):
                operators.append(rest[0])
                values.append((self.value(rest[1].expression, scopes), False))
                rest = rest[2:]
            else:
                reduce()
        while operators:
            reduce()
        return values[0][0]

    def value(self, node: Any, scopes: list[_Scope]) -> str:
        kind = type(node)
        if kind in _LITERALS or kind is airspeed.StringLiteral:
            return repr(node.value)
        if kind is airspeed.FormalReference:
            # As a value a reference is its expression: no alternate, no silencing.
            if node.expression is None:
                raise Unsupported("a lone $ as a value")
            return self.reference(node.expression, scopes)
        if kind is airspeed.InterpolatedStringLiteral:
            return self.interpolated(node, scopes)
        if kind is airspeed.ParenthesizedExpression:
            return self.expression(node.calculate.__self__, scopes)
        if kind is airspeed.UnaryOperatorValue:
            return f"{self.constant(node.op)}({self.value(node.value.expression, scopes)})"
        if kind is airspeed.ArrayLiteral:
            values = node.values
            if type(values) is airspeed.Range:
                first = self.value(values.value1, scopes)
                return f"_range({first}, {self.value(values.value2, scopes)})"
            if type(values) is airspeed.ValueList:
                return (
                    "["
                    + "".join(f"{self.value(v.expression, scopes)}, " for v in values.values)
                    + "]"
                )
            return "[]"
        if kind is airspeed.DictionaryLiteral:
            pairs = (
                f"{self.value(k.expression, scopes)}: {self.value(v.expression, scopes)}, "
                for k, v in node.local_data.items()
            )
            return "{" + "".join(pairs) + "}"
        raise Unsupported(kind.__name__)

    def interpolated(self, node: Any, scopes: list[_Scope]) -> str:
        """A "double-quoted" string: its text is a template block, run in the same scopes
        (a function of the scopes, so its statements keep their own error messages)."""
        children = node.block.children
        if all(type(c) in (airspeed.Text, airspeed.FallthroughHashText) for c in children):
            return repr("".join(c.text for c in children))
        name = self.fresh("_f")
        parameters = ", ".join(["top", *(scope.name for scope in scopes)])
        out = [f"def {name}({parameters}):", "    _o = []", "    w = _o.append"]
        self.block(node.block, scopes, "    ", out)
        out.append("    return ''.join(_o)")
        self.functions.append("\n".join(out))
        return f"{name}({parameters})"

    def arguments(self, parameters: Any, scopes: list[_Scope]) -> str:
        values = parameters.values
        if type(values) is not airspeed.ValueList:
            return ""
        return ", ".join(self.value(v.expression, scopes) for v in values.values)

    def reference(self, expression: Any, scopes: list[_Scope]) -> str:
        """A VariableExpression: its first name from the scopes, then each `.name`,
        `.name(...)`, `.name[i]` or `[literal]` step."""
        part, sub = expression.part, expression.subexpression
        lean = self.lean_scope(part.name, scopes)
        step: Any = sub.expression if sub is not None else None
        if (
            lean is not None
            and lean.values is not None
            and part.name == "foreach"
            and lean.values["foreach"] == lean.name  # not the loop variable's own name
            and part.parameters is None
            and part.index is None
            and type(step) is airspeed.VariableExpression
            and step.part.name in _LOOP_PROPERTIES
            and step.part.parameters is None
            and step.part.index is None
        ):
            # `$foreach.hasNext` of a lean turn: the value itself, no map
            code = lean.values[f"foreach.{step.part.name}"]
            sub = step.subexpression
        else:
            code = self.first(part, scopes)
        while sub is not None:
            step = sub.expression
            if type(step) is airspeed.ArrayIndex:
                index = step.index
                # airspeed computes this index against the object, not the scopes: only
                # literals mean the same here.
                if type(index) is airspeed.InterpolatedStringLiteral:
                    literal = self.interpolated(index, scopes)
                    if not literal.startswith(("'", '"')):
                        raise Unsupported("a computed index after a call")
                elif type(index) in (airspeed.IntegerLiteral, airspeed.StringLiteral):
                    literal = repr(index.value)
                else:
                    raise Unsupported("a computed index after a call")
                code = f"({code})[{literal}]"
                sub = sub.subexpression
                continue
            code = self.step(code, step.part, scopes)
            sub = step.subexpression
        return code

    def lean_scope(self, name: str, scopes: list[_Scope]) -> _Scope | None:
        """The innermost scope that holds `name` as a fixed key, if it is a lean turn."""
        for scope in reversed(scopes):
            if name in scope.fixed:
                return scope if scope.values is not None else None
        return None

    def first(self, part: Any, scopes: list[_Scope]) -> str:
        name = part.name
        if name[0] == "_":
            return "None"
        if not any(name in scope.fixed for scope in scopes):
            self.names.add(name)
        code = f"top.get({name!r})"
        for scope in scopes:
            if scope.values is not None:  # a lean turn: only its fixed keys, as expressions
                if name in scope.fixed:
                    code = scope.values[name]
                    if name == "foreach" and code == scope.name:
                        scope.map_used = True
            elif name in scope.fixed:
                code = f"{scope.name}[{name!r}]"
            elif name in self.assigned:
                code = f"({scope.name}[{name!r}] if {name!r} in {scope.name} else {code})"
        held = self.fresh("_b")
        if part.parameters is not None:
            arguments = self.arguments(part.parameters, scopes)
            return f"(None if ({held} := {code}) is None else {held}({arguments}))"
        if part.index is not None:
            index = self.value(part.index.index, scopes)
            return f"(None if ({held} := {code}) is None else _index({held}, {index}))"
        return code

    def step(self, current: str, part: Any, scopes: list[_Scope]) -> str:
        name = part.name
        if name[0] == "_":
            return f"({current}, None)[1]"  # computed, then null
        held = self.fresh("_m")
        if part.parameters is not None:
            arguments = self.arguments(part.parameters, scopes)
            method = f"_method({current}, {name!r})"
            return f"(None if ({held} := {method}) is None else {held}({arguments}))"
        if part.index is not None:
            index = self.value(part.index.index, scopes)
            found = f"_get({current}, {name!r})"
            return f"(None if ({held} := {found}) is None else _index({held}, {index}))"
        return f"_get({current}, {name!r})"


def translate(template: Any) -> tuple[Render, frozenset[str]] | None:
    """The Python function for a parsed airspeed template and the top-level names it reads,
    or None when the template uses a construct left to the interpreter."""
    translator = _Translator(_assigned(template.root_element))
    body = ["def render(top):", "    s0 = {}", "    _o = []", "    w = _o.append"]
    try:
        translator.block(template.root_element.block, [_Scope("s0")], "    ", body)
    except Unsupported:
        return None
    body.append("    return ''.join(_o)")
    source = "\n\n".join([*translator.functions, "\n".join(body)])
    namespace: dict[str, Any] = {**HELPERS, **translator.constants, "_fail": failure}
    exec(compile(source, "<mapping template>", "exec"), namespace)
    render: Render = namespace["render"]
    return render, frozenset(translator.names)
