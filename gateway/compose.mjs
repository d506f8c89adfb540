// Compose the subgraphs listed in subgraphs.json into a supergraph; exit 1 on any composition error.
//
//   node compose.mjs [--out FILE] [--url NAME=URL ...] [--sdl NAME=FILE ...]
//
// --url replaces a subgraph's routing URL (tests run every subgraph on a free port);
// --sdl reads a subgraph's SDL from another file (tests print it from the code they run).
//
// Every list field a subgraph leaves without @listSize is composed with @listSize(assumedSize:
// 100), the alliance's largest page, so the gateway's demand control counts it: Hive Gateway only
// applies its default list size to a bare list type, and nearly every list here is `[T!]!`.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { composeServices } from '@theguild/federation-composition';
import { Kind, parse, visit } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));
const ASSUMED_LIST_SIZE = 100;

function options() {
  const { values } = parseArgs({
    options: {
      out: { type: 'string', default: resolve(here, 'supergraph.graphql') },
      url: { type: 'string', multiple: true, default: [] },
      sdl: { type: 'string', multiple: true, default: [] },
    },
  });
  return { out: values.out, urls: pairs(values.url), sdls: pairs(values.sdl) };
}

function pairs(arguments_) {
  return Object.fromEntries(arguments_.map((pair) => pair.split(/=(.*)/s, 2)));
}

function services(urls, sdls) {
  const manifest = JSON.parse(readFileSync(resolve(here, 'subgraphs.json'), 'utf8'));
  const unknown = [...Object.keys(urls), ...Object.keys(sdls)].filter((name) => !(name in manifest));
  if (unknown.length) throw new Error(`no subgraph named ${unknown.join(', ')} in subgraphs.json`);
  return Object.entries(manifest).map(([name, { sdl, url }]) => ({
    name,
    url: urls[name] ?? url,
    typeDefs: withListSizes(parse(readFileSync(sdls[name] ?? resolve(here, sdl), 'utf8'))),
  }));
}

function withListSizes(document) {
  let sized = false;
  const annotated = visit(document, {
    FieldDefinition(field) {
      if (field.name.value.startsWith('_') || !isList(field.type)) return undefined;
      if (field.directives?.some((directive) => directive.name.value === 'listSize')) return undefined;
      sized = true;
      return { ...field, directives: [...(field.directives ?? []), assumedListSize()] };
    },
  });
  return sized ? importListSize(annotated) : annotated;
}

function isList(type) {
  return type.kind === Kind.LIST_TYPE || (type.kind === Kind.NON_NULL_TYPE && isList(type.type));
}

function assumedListSize() {
  const argument = { kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'assumedSize' },
                     value: { kind: Kind.INT, value: String(ASSUMED_LIST_SIZE) } };
  return { kind: Kind.DIRECTIVE, name: { kind: Kind.NAME, value: 'listSize' }, arguments: [argument] };
}

// Adds "@listSize" to the imports of the subgraph's federation @link.
function importListSize(document) {
  return visit(document, {
    Directive(directive) {
      const url = directive.arguments?.find((argument) => argument.name.value === 'url')?.value.value ?? '';
      if (directive.name.value !== 'link' || !url.includes('specs.apollo.dev/federation/')) return undefined;
      return {
        ...directive,
        arguments: directive.arguments.map((argument) => {
          if (argument.name.value !== 'import') return argument;
          const names = argument.value.values.map((value) => value.value);
          if (names.includes('@listSize')) return argument;
          return { ...argument, value: { ...argument.value, values: [...argument.value.values, { kind: Kind.STRING, value: '@listSize' }] } };
        }),
      };
    },
  });
}

const { out, urls, sdls } = options();
const result = composeServices(services(urls, sdls));
if (result.errors) {
  for (const error of result.errors) console.error(`composition error: ${error.message}`);
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`);
console.log(`supergraph written to ${out}`);
