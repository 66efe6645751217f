"""Where airspeed differs from API Gateway's Velocity, and our fix (numbered as in
lamina/gateway/mapping/velocity.py). Each test names the difference."""

from __future__ import annotations

import pytest

from lamina.gateway.mapping.input import Input, method_params
from lamina.gateway.mapping.java import JsonList, JsonMap, java_double
from lamina.gateway.mapping.util import UTIL
from lamina.gateway.mapping.velocity import MappingError, compile_template, merge


def _render(template: str, **namespace: object) -> str:
    return merge(template, dict(namespace))


# 1. null and undefined references print as nothing (Velocity prints the reference text).


@pytest.mark.parametrize("template", ["[$nothing]", "[${nothing}]", "[$!nothing]", "[$map.absent]"])
def test_vtl_difference_1_null_reference_prints_empty_not_its_text(template: str) -> None:
    assert _render(template, map=JsonMap(a=1)) == "[]"


def test_vtl_alternate_value_of_a_null_reference_is_used() -> None:
    assert _render("${nothing|'fallback'}") == "fallback"


# 2. values print as Java prints them.


@pytest.mark.parametrize(
    ("value", "printed"),
    [
        (True, "true"),
        (False, "false"),
        (JsonMap(a=1, b="x", c=None, d=JsonMap(e=True)), "{a=1, b=x, c=null, d={e=true}}"),
        (JsonList([{"c": 5}, "s", None]), '[{"c":5},"s",null]'),
        (JsonMap(b=JsonList([JsonMap(c=5)])), '{b=[{"c":5}]}'),
        ([1, "a", True], "[1, a, true]"),
        (249.99, "249.99"),
        (1.0, "1.0"),
        (1e20, "1.0E20"),
        (1.5e-7, "1.5E-7"),
        (12345678.0, "1.2345678E7"),
    ],
)
def test_vtl_difference_2_values_print_as_java_not_python(value: object, printed: str) -> None:
    assert _render("$v", v=value) == printed


def test_vtl_list_and_map_literals_print_as_java_collections() -> None:
    assert _render("#set($l = [1, 'a'])#set($m = {'k': true})$l $m") == "[1, a] {k=true}"


def test_java_double_matches_double_to_string_boundaries() -> None:
    assert [java_double(x) for x in (0.001, 9999999.0, 1e7, 0.0009, -2.5)] == [
        "0.001",
        "9999999.0",
        "1.0E7",
        "9.0E-4",
        "-2.5",
    ]


# 3. string literals keep their backslashes.


def test_vtl_difference_3_string_literals_keep_backslashes_as_velocity() -> None:
    # AWS's own example: turn escapeJavaScript's \' back into ' for JSON.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html
    assert _render("""$s.replaceAll("\\\\'","'")""", s="It\\'s") == "It's"


def test_vtl_difference_3_regex_escapes_parse_in_double_quoted_strings() -> None:
    assert _render('$s.replaceAll("\\d+", "#")', s="a1b22") == "a#b#"


def test_vtl_single_quoted_strings_are_not_interpolated() -> None:
    assert _render("""#set($a = 'x')#set($b = '$a')#set($c = "$a")$b $c""") == "$a x"


# 4. #foreach.


def test_vtl_difference_4_foreach_over_a_map_iterates_its_values() -> None:
    assert _render("#foreach($v in $m)$v,#end", m=JsonMap(a=1, b=2)) == "1,2,"


def test_vtl_difference_4_foreach_over_a_non_collection_renders_nothing() -> None:
    assert _render("[#foreach($v in $s)$v#end][#foreach($v in $n)$v#end]", s="abc") == "[][]"


def test_vtl_foreach_loop_variables() -> None:
    template = (
        "#foreach($x in $xs)$foreach.index/$foreach.count/$velocityCount"
        "#if($foreach.first)F#end#if($foreach.last)L#end#if($foreach.hasNext),#end#end"
    )
    assert _render(template, xs=JsonList(["a", "b", "c"])) == "0/1/1F,1/2/2,2/3/3L"


def test_vtl_nested_foreach_keeps_each_loops_own_foreach() -> None:
    template = "#foreach($a in [1,2])#foreach($b in [1])$foreach.count#end$foreach.count;#end"
    assert _render(template) == "11;12;"


# 5. #set with null.


def test_vtl_difference_5_set_to_null_leaves_the_variable_unchanged() -> None:
    assert _render("#set($a = 'kept')#set($a = $missing)$a") == "kept"


# 6, 7, 8. operators.


@pytest.mark.parametrize(
    ("expression", "result"),
    [
        ("7 / 2", "3"),
        ("-7 / 2", "-3"),
        ("7.0 / 2", "3.5"),
        ("-7 % 3", "-1"),
        ("7 % -3", "1"),
    ],
)
def test_vtl_difference_6_integer_division_truncates_as_java(expression: str, result: str) -> None:
    assert _render(f"#set($r = {expression})$r") == result


def test_vtl_difference_6_division_by_zero_is_null() -> None:
    assert _render("#set($r = 'before')#set($r = 1 / 0)$r") == "before"


def test_vtl_difference_7_plus_with_a_string_concatenates() -> None:
    assert _render("#set($r = 'n' + 1)#set($s = 1 + 2)$r $s") == "n1 3"


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [(3, "3", True), (3, 3.0, True), (True, "true", True), ("a", "b", False), (None, "", False)],
)
def test_vtl_difference_8_equality_compares_string_forms_across_classes(
    left: object, right: object, equal: bool
) -> None:
    assert _render("#if($l == $r)eq#{else}ne#end", l=left, r=right) == ("eq" if equal else "ne")


# 9. identifiers may contain '-'.


def test_vtl_difference_9_identifiers_may_contain_hyphens() -> None:
    header = JsonMap()
    _render('#set($h.Content-Type = "text/plain")', h=header)
    assert header == {"Content-Type": "text/plain"}


# 10. Java String methods.


def test_vtl_difference_10_matches_is_a_whole_string_match() -> None:
    assert _render("#if($s.matches('ab'))y#{else}n#end", s="abc") == "n"
    assert _render("#if($s.matches('ab.'))y#{else}n#end", s="abc") == "y"


def test_vtl_difference_10_replace_all_uses_java_group_references() -> None:
    assert _render("""$s.replaceAll("(\\w+)@(\\w+)", "$2 at $1")""", s="me@host") == "host at me"


@pytest.mark.parametrize(
    ("template", "result"),
    [
        ("$s.length()", "5"),
        ("$s.substring(1, 3)", "el"),
        ("$s.substring(2)", "llo"),
        ("$s.indexOf('l')", "2"),
        ("$s.lastIndexOf('l')", "3"),
        ("$s.toUpperCase()", "HELLO"),
        ("$s.replace('l', 'L')", "heLLo"),
        ("$s.startsWith('he')", "true"),
        ("$s.endsWith('lo')", "true"),
        ("$s.contains('ell')", "true"),
        ("$s.equals('hello')", "true"),
        ("$s.equalsIgnoreCase('HELLO')", "true"),
        ("$s.isEmpty()", "false"),
        ("$s.charAt(1)", "e"),
        ("$s.concat('!')", "hello!"),
        ("$s.split('l').size()", "3"),
        ("$p.trim()", "x"),
    ],
)
def test_vtl_java_string_methods(template: str, result: str) -> None:
    assert _render(template, s="hello", p=" \t x \n") == result


def test_vtl_java_split_drops_trailing_empty_strings() -> None:
    assert _render("#foreach($p in $s.split(','))[$p]#end", s="a,,b,,") == "[a][][b]"


def test_vtl_java_map_methods() -> None:
    template = (
        "$m.size() $m.containsKey('a') $m.get('a') $m.isEmpty() "
        "#foreach($k in $m.keySet())$k#end #foreach($e in $m.entrySet())$e.key=$e.value;#end"
    )
    assert _render(template, m=JsonMap(a=1, b=2)) == "2 true 1 false ab a=1;b=2;"


def test_vtl_map_put_is_visible_and_prints_nothing_when_silenced() -> None:
    assert _render("#set($m = {})$!m.put('a', 1)$m", m=None) == "{a=1}"


# Not a difference: macros work as Velocity's.


def test_vtl_macros_are_defined_and_called() -> None:
    template = '#macro(quoted $v)"$v"#end{"a": #quoted("x"), "b": #quoted($y)}'
    assert _render(template, y=2) == '{"a": "x", "b": "2"}'


# Unsupported constructs are refused, never guessed.


@pytest.mark.parametrize(
    "template", ["#[[ raw $x ]]#", "#if($a)unclosed", "#foreach($x in $xs)", '#set($a = "x"']
)
def test_vtl_unsupported_or_broken_template_raises_mapping_error(template: str) -> None:
    with pytest.raises(MappingError):
        compile_template(template)


@pytest.mark.parametrize("template", ["#parse('other.vm')", "#include('other.vm')"])
def test_vtl_templates_cannot_read_files(template: str) -> None:
    with pytest.raises(MappingError):
        merge(template, {})


def test_vtl_templates_are_compiled_once_per_text() -> None:
    text = "#set($unique_for_this_test = 1)$unique_for_this_test"
    compile_template.cache_clear()
    for _ in range(3):
        assert merge(text, {}) == "1"
    info = compile_template.cache_info()
    assert (info.misses, info.hits) == (1, 2)


def test_vtl_macro_definitions_do_not_leak_between_renders() -> None:
    text = "#macro(m)x#end#m()"
    assert merge(text, {}) == "x"
    assert merge(text, {}) == "x"  # a second render may define the macro again


def test_vtl_difference_10_a_call_is_a_method_even_when_a_key_has_its_name() -> None:
    assert _render("$m.size() $m.size", m=JsonMap(size="big", a=1)) == "2 big"


def test_vtl_difference_11_python_dunder_attributes_are_not_reachable() -> None:
    assert _render("[$s.__class__][$m.__class__.__name__]", s="x", m=JsonMap()) == "[][]"


def test_vtl_difference_10_strings_have_only_java_methods() -> None:
    # str.format would let a client-controlled format string walk the arguments' attributes
    assert _render("[$s.format($u)][$s.upper()]", s="{0.__class__}", u=JsonMap()) == "[][]"


def test_vtl_single_quoted_regex_keeps_its_backslash() -> None:
    # Velocity single-quoted strings have no escapes: '^\d$' is the regex ^\d$.
    template = "#if($limit != '' && $limit.matches('^\\d$'))one digit#{else}other#end"
    assert _render(template, limit="3") == "one digit"
    assert _render(template, limit="33") == "other"


def test_vtl_a_property_that_names_a_method_reads_null() -> None:
    assert _render("[$m.size][$m.keySet][$m.size()]", m=JsonMap(a=1)) == "[][][1]"


def test_vtl_define_blocks_render_where_referenced() -> None:
    # The Serverless Framework's well-known request template renders maps with #define.
    template = (
        "#define( $loop ){#foreach($key in $map.keySet())"
        '"$key":"$util.escapeJavaScript($map.get($key))"#if($foreach.hasNext),#end#end}#end'
        '#set($map = $input.params().header){"headers": $loop}'
    )
    params = method_params({}, [], [("A", "1"), ("B", 'x"y')])
    assert _render(template, input=Input("", params), util=UTIL) == (
        '{"headers": {"A":"1","B":"x\\"y"}}'
    )


# 12. truth is Velocity 1.7's.


@pytest.mark.parametrize(
    ("value", "true"),
    [("", True), (0, True), (JsonList(), True), (JsonMap(), True), (False, False), (None, False)],
)
def test_vtl_difference_12_if_treats_any_non_null_non_boolean_as_true(
    value: object, true: bool
) -> None:
    expected = "t" if true else "f"
    assert _render("#if($v)t#{else}f#end", v=value) == expected
    assert _render("#if(!$v)f#{else}t#end", v=value) == expected
    assert _render("#if($v && true)t#{else}f#end", v=value) == expected
    assert _render("#if($v || false)t#{else}f#end", v=value) == expected


def test_vtl_difference_12_elseif_uses_the_same_truth() -> None:
    assert _render("#if($n)a#elseif($e)b#{else}c#end", e="") == "b"


# 13. whitespace bound to directives, per Velocity 1.7's grammar (src/parser/Parser.jjt).


@pytest.mark.parametrize(
    ("template", "output"),
    [
        # RPAREN eats spaces/tabs and one newline after #if(...), #foreach(...), #set(...)
        ("#if(true)  \na\n#end\nb", "a\nb"),
        ("#foreach($i in [1,2])\n$i\n#end\n.", "1\n2\n."),
        ("#set($a = 1)  \n$a", "1"),
        # ... and after a macro call
        ("#macro(m)x#end\n#m()\ny", "xy"),
        # #else and #end eat theirs too
        ("#if(false)\na\n#else\nb\n#end\nc", "b\nc"),
        # text after #end on the same line stays (pedantic.vm in Velocity's tests)
        ("#if(true)\np\n#end woogie!", "p\n woogie!"),
        # a #set starting a token swallows its indentation; inside text the indentation stays
        ("#if(true)\n    #set($y = 2)\n  i$y\n#end", "  i2\n"),
        ("{\n    #set($z = 3)\n}", "{\n    }"),
        # a block comment keeps the newline after it; a line comment eats its own
        ("a #* note *#\nb", "a \nb"),
        ("a ## note\nb", "a b"),
    ],
)
def test_vtl_difference_13_whitespace_gobbling_follows_velocity_1_7(
    template: str, output: str
) -> None:
    assert _render(template) == output
