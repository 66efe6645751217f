r"""The Velocity core: airspeed, adjusted where it differs from API Gateway's engine.

API Gateway runs Apache Velocity on the JVM; airspeed is a Python Velocity. Each difference
below is fixed here once, when this module is imported, and pinned by a test in
tests/unit/gateway/mapping/test_velocity.py that names it:

1. null and undefined references print as the empty string. Velocity prints the reference's
   own text (`$foo`); API Gateway prints nothing (`"$context.identity.apiKey"` is `""` for a
   method without an API key: "For methods that don't require an API key, this variable is
   null", api-gateway-mapping-template-reference.html).
2. Values print as Java prints them: `true`/`false`, maps as `{a=1}`, JSON arrays as JSON,
   doubles as `Double.toString` (java.py). airspeed uses Python's `str` (`True`, `{'a': 1}`).
3. String literals keep their backslashes: Velocity has no escape sequences, so AWS's own
   example `$util.escapeJavaScript(data).replaceAll("\\'","'")` passes the regex `\\'` to
   Java. airspeed turns `\\` into `\` (and cannot parse `"\d"`).
4. `#foreach` over a map iterates its values (Velocity); airspeed iterates its keys. Over a
   value that is not a collection Velocity does nothing; airspeed raises.
5. `#set` with a null right-hand side leaves the variable unchanged (Velocity 1.7's
   `directive.set.null.allowed = false`); airspeed sets it to null.
6. `/` on integers truncates toward zero and `%` takes the dividend's sign (Java); airspeed
   uses Python's floor division and modulo. Division by zero is null (Velocity logs it).
7. `+` with a string operand concatenates (Velocity 1.7 ASTAddNode); airspeed raises.
8. `==`/`!=` compare numbers by value and values of different classes by their string
   forms (Velocity 1.7 ASTEQNode); airspeed uses Python equality (`3 == "3"` is false).
9. Identifiers may contain `-` (Velocity 1.x's DIRECTIVE_CHAR, so
   `#set($context.responseOverride.header.Content-Type = ...)` names the header
   `Content-Type`); airspeed stops a name at the `-`.
10. Java's String methods: `matches` must match the whole string (airspeed: a prefix),
   `replaceAll` takes Java's `$1` group references, `split` takes a regex and drops trailing
   empty strings; the rest of java.lang.String that templates use is added (java.py
   STRING_METHODS). A call (`$x.name(...)`) is a method call even when a map has a key of
   that name, and a string has only Java's methods (Python's `str.split` does not shadow
   Java's, and `str.format` is not reachable).
11. Names starting with `_` are not looked up: Python's dunder attributes
   (`$util.__class__`) are not Velocity's, and must not reach the interpreter.

12. Truth (`#if`, `#elseif`, `&&`, `||`, `!`) is Velocity 1.7's: null is false, a Boolean
   is itself, anything else is true, even "" or 0 (ASTReference.evaluate); airspeed uses
   Python's truthiness.
13. Whitespace is gobbled where Velocity 1.7's grammar binds it to a directive
   (src/parser/Parser.jjt of the 1.x engine): spaces/tabs and one newline after a
   directive's closing `)` (#if, #elseif, #foreach, #set, #macro, macro calls), after
   `#else` and `#end`; spaces/tabs before a `#set` that starts a token (after another
   directive or reference, not inside text); a `#* *#` comment keeps the newline after it.
   airspeed keeps the newline after `#foreach(...)`, `#else` and macro calls, and eats the
   one after a block comment.

Why Velocity 1.7: AWS's own Kinesis tutorial template reads `$elem.partition-key`, a
hyphenated identifier that only Velocity 1.x accepts by default, and 1.7's `$foreach`
(hasNext, count, index) is documented by API Gateway.

Not fixed (documented in docs/fidelity/gateway.md): `#[[unparsed]]#` blocks are refused
rather than guessed.

Templates are compiled once per distinct text (an LRU of compiled templates; the deployment
compiles its own when it is built): parsed by airspeed with these fixes, then translated to a
Python function (compiler.py) that keeps every one of them.
"""

from __future__ import annotations

import functools
import logging
import math
import operator
import re
from collections.abc import Callable
from typing import Any

import airspeed  # type: ignore[import-untyped]

from lamina.gateway.mapping.java import STRING_METHODS, JsonMap, NullMap, list_methods, render

log = logging.getLogger("lamina.gateway")

COMPILED_TEMPLATES = 1024
"""How many distinct template texts stay compiled (every template of a few deployments)."""


class MappingError(Exception):
    """A template that cannot be parsed or evaluated; the gateway answers 500 for it."""


def output(value: object) -> str:
    """A reference's printed form: API Gateway prints null as nothing (difference 1)."""
    if value is None or isinstance(value, NullMap):
        return ""
    if type(value) is str:
        return value
    return render(value)


# --- 1 and 2: how a reference prints ------------------------------------------------------


def _evaluate_reference(self: Any, stream: Any, namespace: Any, loader: Any) -> None:
    if self.expression is None:
        stream.write(self.my_text())  # a lone `$` is text
        return
    value = self.expression.calculate(namespace, loader)
    if value is None and self.alternate is not None:
        value = self.alternate.calculate(namespace, loader)
    stream.write(output(value))


# --- 10, 11: method calls and names ----------------------------------------------------------

_FUNCTIONS = (airspeed.MacroDefinition, airspeed.DefineDefinition)


def _calculate_name(self: Any, current: Any, loader: Any, top_namespace: Any) -> Any:
    """airspeed's NameOrCall.calculate with differences 10 and 11, and without its
    per-name abstract-base-class checks (a third of a render's time)."""
    name = self.name
    if name[0] == "_":
        return None
    parameters = self.parameters
    local = type(current) is airspeed.LocalNamespace
    if type(current) is str:
        # Only java.lang.String's methods: Python's (`str.format` can walk attributes of its
        # arguments) are not Velocity's.
        method = STRING_METHODS.get(name)
        if method is None or parameters is None:
            return None
        return method(current, *parameters.calculate(top_namespace, loader))
    if parameters is not None and not local:
        bound = getattr(current, name, None) if isinstance(current, dict | list) else None
        if callable(bound) and not isinstance(bound, type):
            return bound(*parameters.calculate(top_namespace, loader))
    result = None
    if isinstance(current, dict):
        try:
            result = current[name]
        except KeyError:
            result = None
    if result is None and not local:
        result = getattr(current, name, None)
        if parameters is None and callable(result):
            result = None  # `$map.size` reads a property (null), it does not print a method
        if result is None:
            methods = _ADDITIONAL.get(current.__class__)
            if methods is not None and name in methods:
                result = functools.partial(methods[name], current)
    if result is None:
        return None
    if result.__class__ in _FUNCTIONS:
        arguments = parameters.calculate(top_namespace, loader) if parameters else []
        stream = airspeed.StoppableStream()
        result.execute_function(stream, top_namespace, arguments, loader)
        return stream.getvalue()
    if parameters is not None:
        return result(*parameters.calculate(top_namespace, loader))
    if self.index is not None:
        index = self.index.calculate(top_namespace, loader)
        if isinstance(result, list) and not isinstance(index, int):
            raise ValueError(f"expected integer for array index, got {index!r}")
        try:
            return result[index]
        except (KeyError, IndexError, TypeError):
            return None
    return result


# --- 3: string literals ----------------------------------------------------------------------

_NEVER = re.compile(r"(?!)")

# --- 4: #foreach ------------------------------------------------------------------------------


def _evaluate_foreach(self: Any, stream: Any, namespace: Any, loader: Any) -> None:
    collection = self.value.calculate(namespace, loader)
    if isinstance(collection, dict):
        items = list(collection.values())
    elif isinstance(collection, list | tuple | range | set):
        items = list(collection)
    else:
        return  # null or not a collection: Velocity renders nothing
    length = len(items)
    for index, item in enumerate(items):
        local = airspeed.LocalNamespace(namespace)
        count = index + 1
        local["velocityCount"] = count
        local["velocityHasNext"] = count < length
        local["foreach"] = JsonMap(
            count=count, index=index, hasNext=count < length, first=index == 0, last=count == length
        )
        local[self.loop_var_name] = item
        self.block.evaluate(stream, local, loader)


# --- 5: #set ----------------------------------------------------------------------------------


def _evaluate_set(self: Any, stream: Any, namespace: Any, loader: Any) -> None:
    value = self.value.calculate(namespace, loader)
    if value is None:
        return
    if len(self.terms) == 1:
        namespace.set_inherited(self.terms[0], value)
        return
    target = namespace
    for term in self.terms[:-1]:
        target = target[term]
    target[self.terms[-1]] = value


# --- 6, 7, 8: operators ----------------------------------------------------------------------


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _divide(left: Any, right: Any) -> Any:
    if right == 0:
        return None
    if isinstance(left, int) and isinstance(right, int):
        quotient = abs(left) // abs(right)
        return quotient if (left >= 0) == (right >= 0) else -quotient
    return left / right


def _modulo(left: Any, right: Any) -> Any:
    if right == 0:
        return None
    if isinstance(left, int) and isinstance(right, int):
        return int(math.fmod(left, right))
    return math.fmod(left, right)


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, str) or isinstance(right, str):
        return render(left) + render(right)
    return operator.add(left, right)


def _equal(left: Any, right: Any) -> bool:
    if left is None or right is None:
        return left is right
    if _is_number(left) and _is_number(right):
        return bool(left == right)
    if type(left) is type(right) or (isinstance(left, dict) and isinstance(right, dict)):
        return bool(left == right)
    return render(left) == render(right)


# --- 12: truth --------------------------------------------------------------------------------


def truth(value: object) -> bool:
    """Velocity 1.7's truth of a value: null is false, a Boolean itself, anything else true."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    return True


def _evaluate_if(self: Any, stream: Any, namespace: Any, loader: Any) -> None:
    if truth(self.condition.calculate(namespace, loader)):
        self.block.evaluate(stream, namespace, loader)
        return
    for elseif in self.elseifs:
        if truth(elseif.calculate(namespace, loader)):
            elseif.evaluate(stream, namespace, loader)
            return
    self.else_block.evaluate(stream, namespace, loader)


# --- 13: whitespace ----------------------------------------------------------------------------

_LINE_END = r"(?:[ \t]*(?:\r\n|\r|\n))?"
_airspeed_block_parse = airspeed.Block.parse


def _parse_block(self: Any) -> None:
    """airspeed's Block.parse, then drop the spaces/tabs a `#set` token swallows: a text
    element of only spaces/tabs that starts the block or follows a non-text element."""
    _airspeed_block_parse(self)
    children = self.children
    kept = []
    for index, child in enumerate(children):
        if (
            type(child) is airspeed.Text
            and index + 1 < len(children)
            and type(children[index + 1]) is airspeed.SetDirective
            and (index == 0 or type(children[index - 1]) is not airspeed.Text)
            and child.text
            and not child.text.strip(" \t")
        ):
            continue
        kept.append(child)
    self.children = kept


def _patch() -> None:
    """Install the fixes listed in the module docstring into airspeed (once)."""
    airspeed.FormalReference.evaluate_raw = _evaluate_reference
    airspeed.ForeachDirective.evaluate_raw = _evaluate_foreach
    airspeed.SetDirective.evaluate_raw = _evaluate_set
    airspeed.IfDirective.evaluate_raw = _evaluate_if
    airspeed.Block.parse = _parse_block
    airspeed.ForeachDirective.CLOSE_PAREN = re.compile(r"\s*\)" + _LINE_END, re.S)
    airspeed.MacroCall.CLOSE_PAREN = re.compile(r"\s*\)" + _LINE_END, re.S)
    airspeed.ElseBlock.START = re.compile(r"#(?:else|\{else\})" + _LINE_END, re.S | re.I)
    airspeed.Comment.COMMENT = re.compile(r"#(?:#.*?(?:\n|$)|\*.*?\*#)", re.M | re.S)
    airspeed.NameOrCall.calculate = _calculate_name
    airspeed.NameOrCall.NAME = re.compile(r"([_a-z][a-z0-9_-]*)", re.S | re.I)
    airspeed.SetDirective.PLACE = re.compile(
        r"\s*\$([a-z_][a-z0-9_-]*(?:\.[a-z_][a-z0-9_-]*)*)", re.S | re.I
    )
    airspeed.StringLiteral.STRING = re.compile(r"'([^']*)'", re.S)
    airspeed.StringLiteral.ESCAPED_CHAR = _NEVER
    airspeed.InterpolatedStringLiteral.STRING = re.compile(r'"((?:\\.|[^"\\])*)"', re.S)
    airspeed.InterpolatedStringLiteral.ESCAPED_CHAR = _NEVER
    operators: dict[str, Callable[[Any, Any], Any]] = airspeed.BinaryOperator.OPERATORS
    operators.update(
        {
            "/": _divide,
            "%": _modulo,
            "+": _add,
            "==": _equal,
            "eq": _equal,
            "!=": lambda a, b: not _equal(a, b),
            "ne": lambda a, b: not _equal(a, b),
            "&&": lambda a, b: truth(a) and truth(b),
            "and": lambda a, b: truth(a) and truth(b),
            "||": lambda a, b: truth(a) or truth(b),
            "or": lambda a, b: truth(a) or truth(b),
        }
    )
    airspeed.UnaryOperatorValue.OPERATORS = {
        "!": lambda value: not truth(value),
        "not": lambda value: not truth(value),
    }
    methods = _ADDITIONAL
    methods[str] = dict(STRING_METHODS)
    methods[list] = list_methods()
    dict_methods = {
        name: getattr(JsonMap, name)
        for name in (
            "containsKey",
            "containsValue",
            "keySet",
            "entrySet",
            "size",
            "isEmpty",
            "put",
            "putAll",
            "remove",
            "toString",
        )
    }
    methods[dict] = dict_methods


_ADDITIONAL: dict[type, dict[str, Callable[..., Any]]] = airspeed.__additional_methods__
_patch()

_UNPARSED = re.compile(r"#\[\[")


class Compiled:
    """A parsed template and, unless it uses a construct left to airspeed's interpreter
    (compiler.py), the Python function it was translated to."""

    __slots__ = ("names", "parsed", "render")

    def __init__(self, parsed: airspeed.Template) -> None:
        from lamina.gateway.mapping.compiler import translate  # compiler imports this module

        self.parsed = parsed
        try:
            translated = translate(parsed)
        except Exception:  # a translator bug must not cost the template: it runs interpreted
            log.warning("mapping template left to the interpreter", exc_info=True)
            translated = None
        self.render: Callable[[dict[str, Any]], str] | None = None
        self.names: frozenset[str] | None = None
        """The top-level names the template reads (None: any; it runs interpreted)."""
        if translated is not None:
            self.render, self.names = translated

    def merge(self, namespace: dict[str, Any]) -> str:
        if self.render is not None:
            try:
                return self.render(namespace)
            except MappingError as error:  # compiler.Failed: the interpreter's message
                raise MappingError(str(error)) from None
        try:
            result: str = self.parsed.merge(namespace)
        except airspeed.TemplateError as error:
            raise MappingError(str(error)) from None
        return result


@functools.lru_cache(maxsize=COMPILED_TEMPLATES)
def compile_template(text: str) -> Compiled:
    """The compiled template for `text`, parsed and translated once per distinct text."""
    if _UNPARSED.search(text):
        raise MappingError("unparsed content blocks (#[[ ]]#) are not supported")
    template = airspeed.Template(text)
    try:
        template.ensure_compiled()
    except airspeed.TemplateSyntaxError as error:
        raise MappingError(f"template syntax error: {error}") from None
    return Compiled(template)


def merge(text: str, namespace: dict[str, Any]) -> str:
    """Render `text` with `namespace` (a fresh dict per call: macros are defined into it)."""
    return compile_template(text).merge(namespace)
