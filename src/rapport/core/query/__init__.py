"""One query language (PLT-4): the condition tree, validated against metadata, compiled to ``Q``."""

from rapport.core.query.compile import (  # noqa: F401
    OPERATORS,
    QueryError,
    compile_filter,
    operators_for,
    parse_ordering,
    shorthand_condition,
)
