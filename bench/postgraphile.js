// PostGraphile 4 over the bench's database, as bench/http.py runs it: `node bench/postgraphile.js
// DATABASE_URL PORT WORKERS`. Node's cluster hands each accepted connection to a worker in turn;
// the connection-filter plugin (relations on) lets a query state the project's row rules as
// filters, so both answer the same rows; PostGraphile itself applies no row rules or masking.
"use strict";
const cluster = require("node:cluster");
const http = require("node:http");
const { postgraphile } = require("postgraphile");
const ConnectionFilterPlugin = require("postgraphile-plugin-connection-filter");

const [databaseUrl, port, workers] = process.argv.slice(2);

if (cluster.isPrimary) {
  for (let i = 0; i < Number(workers); i += 1) cluster.fork();
  cluster.on("exit", () => process.exit(1)); // a worker that dies ends the contender
  process.on("SIGTERM", () => {
    for (const worker of Object.values(cluster.workers)) worker.kill();
    process.exit(0);
  });
} else {
  const middleware = postgraphile(databaseUrl, "public", {
    appendPlugins: [ConnectionFilterPlugin],
    graphileBuildOptions: { connectionFilterRelations: true },
    disableQueryLog: true,
    graphiql: false,
    retryOnInitFail: false,
    bodySizeLimit: "1MB",
  });
  http.createServer({ noDelay: true }, middleware).listen(Number(port), "127.0.0.1");
}
