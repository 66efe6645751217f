"""Templates compiled to Python (lamina/gateway/mapping/compiler.py) print exactly what
airspeed's interpreter with velocity.py's fixes prints, fail with the same message, and leave
the namespace in the same state: each case runs through both and compares."""

from __future__ import annotations

import re
from typing import Any

import pytest

from lamina.gateway.mapping.input import Input, method_params
from lamina.gateway.mapping.java import JsonList, JsonMap
from lamina.gateway.mapping.util import UTIL
from lamina.gateway.mapping.velocity import MappingError, compile_template

BODY = '{"name": "Ana", "tags": ["a", "b", null], "order": {"total": 42.5, "n": 3}, "e": {}}'


def _namespace() -> dict[str, Any]:
    params = method_params({"id": "o-1"}, [("q", "x y")], [("X-User", "u1"), ("Accept", "*/*")])
    override = JsonMap(header=JsonMap(), status=None)
    return {
        "input": Input(BODY, params),
        "util": UTIL,
        "context": JsonMap(requestId="r-1", stage="prod", responseOverride=override),
        "stageVariables": JsonMap(role="reader"),
        "m": JsonMap(a=1, b="two", c=None, size="big"),
        "l": JsonList([1, "x", None, JsonMap(k="v")]),
        "s": "Hello, World",
        "n": 7,
        "t": True,
        "f": False,
        "plain": {"k": 1},
    }


def _interpreted(text: str, namespace: dict[str, Any]) -> tuple[str, str]:
    try:
        return "ok", compile_template(text).parsed.merge(namespace)
    except Exception as error:  # airspeed's TemplateError, as velocity.merge words it
        return "error", str(error)


def _compiled(text: str, namespace: dict[str, Any]) -> tuple[str, str]:
    compiled = compile_template(text)
    assert compiled.render is not None, "the template should be translated"
    try:
        return "ok", compiled.merge(namespace)
    except MappingError as error:
        return "error", str(error)


def _state(namespace: dict[str, Any]) -> str:
    return re.sub(r" at 0x[0-9a-f]+", "", repr(namespace))


CASES = [
    # references, properties, calls, indexes
    "$s $n $t $f $m $l $plain [$nothing] [$!nothing] [${nothing}] ${nothing|'alt'} ${s|'alt'}",
    "$m.a $m.b $m.c $m.size $m.size() $m.keySet() $m.get('b') $m.absent.deeper",
    "$l[0] $l[3].k $l.get(1) $l.size() $l[9] $m['a'] $l[1].length()",
    "$input.body|$input.json('$.order')|$input.path('$.tags').size()|$input.params('id')",
    "$input.params().header.get('X-User') $input.params('q') $input.params('missing').",
    "$util.escapeJavaScript($s) $util.urlEncode($input.params('q')) $util.base64Encode('a')",
    "$s.replaceAll('(\\w+), (\\w+)', '$2 $1') $s.split(',').size() $s.substring(7) $s.charAt(0)",
    "$plain.size $plain.isEmpty() $plain.keySet() [$s.format($m)] [$s.__class__] [$_x]",
    "$m.foo() $s.nothing() $n.real $t.nothing $input.nothing.more ${m.a}${m.b}",
    "$ alone, $! and 50$ and #notadirective and # hash",
    # #set: scopes, paths, null
    "#set($a = 1)#set($a = $missing)$a #set($b = \"$a-$s\")$b #set($c = '$a')$c",
    "#set($m.d = 4)#set($context.responseOverride.header.X-Y = 'z')$m.d",
    "#set($x = 'outer')#foreach($i in [1, 2])#set($x = $i)#set($y = $i)#end$x [$y]",
    "#foreach($i in [1])#set($inner = 5)$inner#end[$inner]",
    "#foreach($i in [1, 2])#foreach($j in ['a'])#set($i = 9)$i$j#end$i;#end",
    "#set($_hidden = 1)[$_hidden]#set($velocityCount = 3)$velocityCount",
    # operators, precedence, evaluation order
    "#set($r = 1 + 2 * 3 - 4 / 2 % 3)$r #set($r = (1 + 2) * 3)$r #set($r = 7 / 2)$r",
    "#set($r = 'a' + 1 + 2)$r #set($r = 1 + 2 + 'a')$r #set($r = 1.5 * 2)$r #set($r = -7 % 3)$r",
    "#if($n > 3 && $s != '' || $missing)y#{else}n#end #if(!$t)a#elseif($n == '7')b#end",
    "#if($n gt 3 and not $f)y#end #if($n le 3 or $t eq true)z#end #if($m == $m)e#end",
    "#set($l2 = [])#if($l2.add(1) && $l2.add(2) || $l2.add(3))$l2#end",
    "#set($m2 = {})#set($r = $m2.put('a', 1) == $m2.put('b', 2))$m2 $r",
    "#set($r = 1 / 0)[$r] #set($r = $n * 2 + $m.a)$r",
    # collections and loops
    "#foreach($v in $m)$v,#end|#foreach($v in $s)$v#end|#foreach($v in $missing)x#end",
    "#foreach($i in [1..4])$i#end #foreach($i in [3..1])$i#end #foreach($i in [$n..9])$i#end",
    "#foreach($x in $l)$foreach.index$foreach.count$velocityCount$x#if($foreach.hasNext),#end#end",
    "#foreach($e in $m.entrySet())$e.key=$e.value;#end #foreach($k in $m.keySet())$k#end",
    "#set($d = {'k': [1, {'z': true}], \"$s\": $n})$d $d.k[1].z $d.size()",
    "#foreach($t in $input.path('$.tags'))\"$t\"#if($foreach.hasNext),#end#end",
    "#foreach($foreach in [1,2])$foreach#end",
    # loops whose body sets nothing: their $foreach values without a map
    "#foreach($x in $l)$foreach.hasNext,$foreach.first,$foreach.last;#end",
    "#foreach($x in $l)$foreach $velocityHasNext $velocityCount $foreach.size()#end",
    "#foreach($x in [1, 2])$foreach.put('k', $x)$foreach.k $foreach.count#end",
    "#foreach($foreach in [1, 2])$foreach.count[$foreach]#end",
    "#foreach($velocityCount in ['a'])$velocityCount$foreach.index#end",
    "#foreach($a in [1, 2])#foreach($b in [3])$foreach.count$velocityCount#end$foreach.last#end",
    "#set($z = 1)#foreach($i in [1])$z$i#end",
    "#foreach($a in [1, 2])#set($q = $a)#foreach($b in [1])$q$foreach.index#end#end$q",
    "#foreach($a in [1])#foreach($b in [2])$foreach.hasNext#set($w = $b)#end$foreach.first#end",
    # interpolated strings with directives, whitespace
    '#set($q = "#if($t)yes#{else}no#end-$n")$q #set($w = "a#set($inside = 1)b")$w$inside',
    '{\n  #set($z = 3)\n  "a": $z,\n  #if($t)\n  "b": 1\n  #end\n}',
    "#if(true)  \na\n#end\nb #* note *#\nc ## line\nd",
    # failures: the same message
    "$l['x']",
    "#set($m.absent.deeper = 1)",
    "#set($gone.x = 1)",
    "$util.parseJson('{bad')",
    "#if($n < $missing)x#end",
    "$n()",
    "#foreach($i in [1])$i.nothing()$util.base64Decode('@@')#end",
    "#set($q = \"a $util.urlDecode('%zz') b\")",
    "#set($context.responseOverride.header.X = 1)#set($context.responseOverride.header.X = 2)",
]


@pytest.mark.parametrize("text", CASES)
def test_compiled_template_prints_and_fails_as_the_interpreter(text: str) -> None:
    interpreted_namespace, compiled_namespace = _namespace(), _namespace()
    expected = _interpreted(text, interpreted_namespace)
    assert _compiled(text, compiled_namespace) == expected
    assert _state(compiled_namespace) == _state(interpreted_namespace)


def test_compiled_template_evaluates_a_right_operand_first_as_airspeed() -> None:
    text = "#set($l2 = [])#set($r = $l2.add('a') == $l2.add('b'))$l2"
    assert _compiled(text, {}) == ("ok", "[b, a]") == _interpreted(text, {})


@pytest.mark.parametrize(
    "text",
    [
        "#macro(q $v)'$v'#end#q('x')",
        "#define($d)x#end$d",
        "#evaluate('$s')",
        "#include('f.vm')",
        "a#stop b",
    ],
)
def test_templates_with_runtime_scoped_constructs_run_interpreted(text: str) -> None:
    compiled = compile_template(text)
    assert compiled.render is None
    assert compiled.names is None


def test_compiled_template_names_what_it_reads_from_the_namespace() -> None:
    compiled = compile_template(
        "#set($a = $input.body)#set($context.x = 1)#foreach($i in $l)$i$a#end$_hidden"
    )
    assert compiled.names == frozenset({"input", "context", "l", "a"})


def test_failures_inside_a_string_name_the_string_statement_as_the_interpreter() -> None:
    text = "#set($q = \"a $util.urlDecode('%zz') b\")"
    status, message = _compiled(text, _namespace())
    assert status == "error"
    assert "in expression: $util.urlDecode('%zz')" in message
    assert "MappingError: URLDecoder" in message
