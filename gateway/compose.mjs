// Compose the subgraphs listed in subgraphs.json into a supergraph; exit 1 on any composition error.
//
//   node compose.mjs [--out FILE] [--url NAME=URL ...] [--sdl NAME=FILE ...]
//
// --url replaces a subgraph's routing URL (tests run every subgraph on a free port);
// --sdl reads a subgraph's SDL from another file (tests print it from the code they run).
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { composeServices } from '@theguild/federation-composition';
import { parse } from 'graphql';

const here = dirname(fileURLToPath(import.meta.url));

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
    typeDefs: parse(readFileSync(sdls[name] ?? resolve(here, sdl), 'utf8')),
  }));
}

const { out, urls, sdls } = options();
const result = composeServices(services(urls, sdls));
if (result.errors) {
  for (const error of result.errors) console.error(`composition error: ${error.message}`);
  process.exit(1);
}
writeFileSync(out, result.supergraphSdl.endsWith('\n') ? result.supergraphSdl : `${result.supergraphSdl}\n`);
console.log(`supergraph written to ${out}`);
