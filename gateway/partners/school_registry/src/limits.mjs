// The registry bounds its own work, whoever signed the request (as the Python partners do in
// gateway/partners/limits.py): depth, aliases, representations per `_entities`, page size.
import { GraphQLError, Kind } from 'graphql';

export const MAX_DEPTH = 8;
export const MAX_ALIASES = 10;
export const MAX_REPRESENTATIONS = 500;
export const MAX_PAGE = 100;

// Fields nested in a selection set (fragments followed, each once per path).
function depthOf(selectionSet, fragments, seen = new Set()) {
  let deepest = 0;
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) {
      deepest = Math.max(deepest, 1 + depthOf(selection.selectionSet, fragments, seen));
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      deepest = Math.max(deepest, depthOf(selection.selectionSet, fragments, seen));
    } else {
      const fragment = fragments[selection.name.value];
      if (fragment && !seen.has(fragment)) {
        deepest = Math.max(deepest, depthOf(fragment.selectionSet, fragments, new Set([...seen, fragment])));
      }
    }
  }
  return deepest;
}

// A validation rule: refuses documents deeper than MAX_DEPTH fields or with more than MAX_ALIASES aliases.
export function boundedDocument(context) {
  const document = context.getDocument();
  const fragments = Object.fromEntries(
    document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  let aliases = 0;
  return {
    Field(node) {
      if (node.alias) aliases += 1;
    },
    OperationDefinition: {
      leave(operation) {
        if (depthOf(operation.selectionSet, fragments) > MAX_DEPTH) {
          context.reportError(new GraphQLError(`查询嵌套超过 ${MAX_DEPTH} 层。`, { extensions: { code: 'QUERY_TOO_DEEP' } }));
        }
        if (aliases > MAX_ALIASES) {
          context.reportError(new GraphQLError(`别名超过 ${MAX_ALIASES} 个。`, { extensions: { code: 'TOO_MANY_ALIASES' } }));
        }
      },
    },
  };
}

export function pageSize(first) {
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) {
    throw new GraphQLError(`first 须在 0 至 ${MAX_PAGE} 之间。`, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return first;
}
