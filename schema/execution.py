"""Per-field execution cost: graphql-core resolvers that skip strawberry's wrappers where those
wrappers have nothing to do. The SDL is untouched; only the functions behind the fields change.

Measured on the large nested read (bench/execution.py, 25,568 fields): strawberry resolves every
field through a chain built for the general case — argument conversion, field extensions, an
``await_maybe`` coroutine around every async resolver — about 30 Python calls for a field that
only calls its method, 3 for a plain attribute; and it serialises an enum by scanning the enum's
values. Here, once per schema:

- a resolver method without GraphQL arguments or field extensions is called directly with
  strawberry's ``Info`` (the same object it gets today; an async one returns its coroutine and
  graphql-core awaits it);
- a plain attribute field reads the attribute;
- an enum serialises through a mapping.

Fields with arguments or extensions keep strawberry's resolver (it converts the arguments).
Schema extensions that hook ``resolve`` still wrap every field: graphql-core applies them as
middleware around whichever resolver a field has.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from graphql import GraphQLField, GraphQLObjectType, GraphQLSchema
from strawberry.schema.schema_converter import CustomGraphQLEnumType, GraphQLCoreConverter
from strawberry.types.field import StrawberryField

Resolver = Callable[..., Any]


def _attribute(name: str) -> Resolver:
    def resolve(source: Any, _info: Any) -> Any:
        return getattr(source, name)

    return resolve


def _method(field: StrawberryField, info_class: type) -> Resolver | None:
    """The field's method called as strawberry would call it, or None where strawberry's own
    resolver has work to do (GraphQL arguments, field extensions, no ``self``, a root or parent parameter)."""
    resolver = field.base_resolver
    if resolver is None or resolver.arguments or field.extensions:
        return None
    if resolver.self_parameter is None or resolver.root_parameter or resolver.parent_parameter:
        return None
    method: Callable[..., Any] = resolver.wrapped_func  # type: ignore[assignment]
    if resolver.info_parameter is None:
        return lambda source, _info: method(source)
    info_name = resolver.info_parameter.name

    def resolve(source: Any, info: Any) -> Any:
        return method(source, **{info_name: info_class(_raw_info=info, _field=field)})

    return resolve


def _direct(field: GraphQLField, info_class: type) -> Resolver | None:
    definition = (field.extensions or {}).get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField):
        return None
    if definition.is_basic_field:
        # strawberry's default resolver is getattr (StrawberryConfig.default_resolver)
        return _attribute(definition.python_name)
    return _method(definition, info_class)


def _serialise_by_mapping(enum_type: CustomGraphQLEnumType) -> None:
    names: dict[Any, str] = {
        enum_type.wrapped_cls(value.value): name for name, value in enum_type.values.items()
    }
    scan = enum_type.coerce_output_value  # strawberry's: for a value outside the mapping

    def coerce_output_value(output_value: Any) -> Any:
        name = names.get(output_value)
        return scan(output_value) if name is None else name

    enum_type.coerce_output_value = coerce_output_value  # type: ignore[method-assign]
    enum_type.serialize = coerce_output_value  # type: ignore[method-assign]


def resolve_directly(schema: GraphQLSchema, info_class: type) -> None:
    """Rebind the resolvers and enum serialisers of ``schema`` (built by strawberry)."""
    for graphql_type in schema.type_map.values():
        if isinstance(graphql_type, GraphQLObjectType) and not graphql_type.name.startswith("__"):
            for field in graphql_type.fields.values():
                direct = _direct(field, info_class)
                if direct is not None:
                    field.resolve = direct
        elif isinstance(graphql_type, CustomGraphQLEnumType):  # not introspection's own
            _serialise_by_mapping(graphql_type)
