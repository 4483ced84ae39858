// Prints what oasearch.js computes for each input string, to compare with the Python side.
//   node parity.mjs <oasearch.js> < strings.json > out.json
// out.json: [{"normalized", "tokens" (sorted), "hashes" {term: fnv1a32}, "query" (parsed),
//             "terms" (of each included phrase), "phrase" (terms of the whole string as one phrase)}]
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const OASearch = require(path.resolve(process.argv[2]));
const strings = JSON.parse(readFileSync(0, "utf8"));
const byCodePoint = (a, b) => {
  const x = Array.from(a).map((c) => c.codePointAt(0));
  const y = Array.from(b).map((c) => c.codePointAt(0));
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};
const out = strings.map((s) => {
  const tokens = Array.from(OASearch.tokens(s, 10)).sort(byCodePoint);
  const hashes = {};
  for (const t of tokens) hashes[t] = OASearch.fnv1a32(t);
  const query = OASearch.parseQuery(s);
  const terms = query.include.map((p) => OASearch.phraseTerms(p, 10));
  const phrase = OASearch.phraseTerms(OASearch.normalize(s).trim(), 10);
  return { normalized: OASearch.normalize(s), tokens, hashes, query, terms, phrase };
});
process.stdout.write(JSON.stringify(out));
