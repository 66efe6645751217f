"""DynamoDB expressions: one tokenizer, recursive-descent parsers, typed trees, evaluators.

`lexer` tokenizes; `condition` (condition, filter and key condition expressions), `update`
and `projection` parse, each with its grammar in its docstring, into the trees of `tree`;
`evaluate`, `apply`, `document` and `key` run the trees against items; `compile` is the
API the provider calls. May import core, aws and lamina.services.dynamodb.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.html
"""

from lamina.services.dynamodb.expression.compile import (
    Condition,
    KeyCondition,
    Projection,
    Update,
    check_unused,
    compile_condition,
    compile_key_condition,
    compile_projection,
    compile_update,
)
from lamina.services.dynamodb.expression.key import KeyTerm

__all__ = [
    "Condition",
    "KeyCondition",
    "KeyTerm",
    "Projection",
    "Update",
    "check_unused",
    "compile_condition",
    "compile_key_condition",
    "compile_projection",
    "compile_update",
]
