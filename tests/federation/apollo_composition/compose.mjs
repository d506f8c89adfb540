// Compose the subgraphs of gateway/subgraphs.json with Apollo's composer (@apollo/composition),
// as a second opinion beside the Guild's (gateway/compose.mjs, which writes the supergraph the
// gateway runs). Prints "composed" and the supergraph's subgraph names; exits 1 with every
// composition error otherwise.
//
//   node compose.mjs [--sdl NAME=FILE ...]
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';

const gateway = resolve(dirname(fileURLToPath(import.meta.url)), '../../../gateway');
const { values } = parseArgs({ options: { sdl: { type: 'string', multiple: true, default: [] } } });
const sdls = Object.fromEntries(values.sdl.map((pair) => pair.split(/=(.*)/s, 2)));
const manifest = JSON.parse(readFileSync(resolve(gateway, 'subgraphs.json'), 'utf8'));
const services = Object.entries(manifest).map(([name, { sdl, url }]) => ({
  name,
  url,
  typeDefs: parse(readFileSync(sdls[name] ?? resolve(gateway, sdl), 'utf8')),
}));
const result = composeServices(services);
if (result.errors?.length) {
  for (const error of result.errors) console.error(`composition error: ${error.message}`);
  process.exit(1);
}
console.log(`composed: ${services.map((service) => service.name).join(', ')}`);
