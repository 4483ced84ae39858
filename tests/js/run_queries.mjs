// Runs queries through the real theme/assets/oasearch.js in Node, reading the index from a folder.
//
//   node run_queries.mjs job.json > out.json
//
// job.json: {"dir": "<folder holding search/>", "script": "<path of oasearch.js>",
//            "cold": false,            // true: a fresh engine (empty cache) for every query
//            "full": true,             // false: results carry only their url
//            "parallel": false,        // true: start every query at once on one engine (urls only)
//            "queries": [{"q": "贿赂", "options": {"filters": {...}, "sort": "date", ...}}, ...]}
// out.json: [{"total", "approximate", "complete", "candidates", "results": [...], "bytes",
//             "fetched": [[path, bytes]...], "ms"}]
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";

const BASE = "https://oa.example.test/sub/search/";
const job = JSON.parse(await readFile(process.argv[2], "utf8"));
const require = createRequire(import.meta.url);
const OASearch = require(path.resolve(job.script));

async function fetchFile(url) {
  if (!url.startsWith(BASE)) throw new Error("unexpected url " + url);
  const [rel, query] = url.slice(BASE.length).split("?");
  if (rel !== "meta.json" && !/^v=[0-9a-f]{16}$/.test(query || "")) throw new Error("no build version: " + url);
  const file = path.join(job.dir, "search", decodeURIComponent(rel));
  try {
    const buf = await readFile(file);
    return { ok: true, status: 200, arrayBuffer: async () => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) };
  } catch (e) {
    return { ok: false, status: 404, arrayBuffer: async () => new ArrayBuffer(0) };
  }
}

const out = [];
let engine = OASearch.create({ base: BASE, fetch: fetchFile });
if (job.parallel) {
  // all queries at once on one engine (what a fast typist or a double click does)
  const all = await Promise.all(job.queries.map((item) => engine.search(item.q, item.options || {})));
  process.stdout.write(JSON.stringify(all.map((res) => ({ ...res, results: res.results.map((r) => r.url) }))));
  process.exit(0);
}
for (const item of job.queries) {
  if (job.cold) engine = OASearch.create({ base: BASE, fetch: fetchFile });
  const before = engine.bytesFetched();
  const seen = engine.fetched().length;
  const t0 = process.hrtime.bigint();
  let res;
  try {
    res = await engine.search(item.q, item.options || {});
  } catch (e) {
    out.push({ error: String(e && e.stack || e) });
    continue;
  }
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  out.push({
    ...res,
    results: job.full === false ? res.results.map((r) => r.url) : res.results,
    bytes: engine.bytesFetched() - before,
    fetched: engine.fetched().slice(seen),
    ms,
  });
}
process.stdout.write(JSON.stringify(out));
