/*
 * OpenAffairs public search: queries the static character-n-gram index written by
 * generator/static_search.py (format and reasoning: docs/search-static.md).
 *
 * A query is split into phrases (whitespace-separated words, "quoted phrases", -excluded).
 * Each phrase is reduced to index terms (characters, runs of two or three adjacent
 * characters, Latin/digit words and word prefixes), whose postings are fetched shard by
 * shard; their AND gives the candidate pages, a superset of the pages that contain the
 * phrases. Each candidate shown is then checked against its real text, so results are exact;
 * until every candidate has been checked the total is an estimate ("about N", approximate:
 * true), unless the terms alone prove the match (one to three characters, one short word).
 *
 * No dependencies, ES2019. Works in browsers and in Node >= 18 (inject `fetch`).
 *   OASearch.create({base, fetch}) -> {search(query, options), meta(), bytesFetched(), fetched()}
 *     search(query, {filters: {type: [...], ...}, sort: "relevance"|"date", page, perPage,
 *                    maxVerify}) -> Promise<{total, approximate, complete, more, candidates,
 *                    results: [{url, title, type, date, excerpt, snippet, snippetHtml}]}>
 *   OASearch.mountPage(element)    -> the /search/ page UI (auto-mounted on #oa-search)
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.OASearch = api;
  }
  if (typeof document !== "undefined" && typeof window !== "undefined") {
    var start = function () {
      var el = document.getElementById("oa-search");
      if (el) api.mountPage(el);
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var FORMAT_VERSION = 1;
  // Must equal WHITESPACE in generator/static_search.py.
  var WS_CLASS = "\\t\\n\\u000b\\u000c\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  var WS_RE = new RegExp("[" + WS_CLASS + "]+", "g");
  var WS_ONE_RE = new RegExp("^[" + WS_CLASS + "]$");
  // Must equal HAN and HSPACE in generator/static_search.py: horizontal white space between
  // two Chinese characters is removed before the rest of normalize (总则 finds 总　则).
  var HAN = "\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff";
  var HSPACE = "\\t \\u00a0\\u1680\\u2000-\\u200a\\u202f\\u205f\\u3000";
  var HAN_SPACE_RE = new RegExp("([" + HAN + "])[" + HSPACE + "]+(?=[" + HAN + "])", "g");
  var HAN_ONE_RE = new RegExp("^[" + HAN + "]$");
  var HSPACE_ONE_RE = new RegExp("^[" + HSPACE + "]$");
  var MAX_ARTICLES = 8; // articles of one law listed under its result
  var WORD_RE = /[a-z0-9]+/g;
  var ALNUM_RE = /^[a-z0-9]$/;
  var ALL_ALNUM_RE = /^[a-z0-9]+$/;
  var MAX_NGRAMS = 4; // pairs/triples looked up per phrase (evenly spread); the check makes it exact
  var OPEN_QUOTES = "\"\u201c\u201d";
  var CLOSE_QUOTES = "\"\u201d\u201c";
  var BATCH_MAX = 64; // pages fetched at once while checking candidates
  var MAX_STATES = 50; // queries whose checked candidates are remembered
  var SNIPPET_BEFORE = 40;
  var SNIPPET_LENGTH = 140;
  var LEADING_RE = /^[ ,.;:!?\u3001\u3002\uff0c\uff1b\uff1a]$/;

  // ---------------------------------------------------------------------------------------
  // text

  function normalize(text) {
    return String(text).normalize("NFKC").toLowerCase().replace(HAN_SPACE_RE, "$1").replace(WS_RE, " ");
  }

  function isAlnum(ch) {
    return ch !== undefined && ALNUM_RE.test(ch);
  }

  function addWords(text, pmax, out) {
    var m;
    WORD_RE.lastIndex = 0;
    while ((m = WORD_RE.exec(text)) !== null) {
      var w = m[0];
      out.add(w);
      for (var k = 1; k <= Math.min(w.length - 1, pmax); k++) out.add(w.slice(0, k));
    }
  }

  /** Is the pair of adjacent characters a term (no space, not inside a word)? */
  function isPair(a, b) {
    return a !== " " && b !== " " && !(isAlnum(a) && isAlnum(b));
  }

  /** Index terms of a text: the same set as tokens() in generator/static_search.py. */
  function tokens(text, prefixMax) {
    var out = new Set();
    var t = normalize(text);
    var cps = Array.from(t);
    for (var i = 0; i < cps.length; i++) {
      var c = cps[i];
      if (c !== " " && !isAlnum(c)) out.add(c);
      if (i + 1 < cps.length && isPair(c, cps[i + 1])) {
        out.add(c + cps[i + 1]);
        if (i + 2 < cps.length && isPair(cps[i + 1], cps[i + 2])) out.add(c + cps[i + 1] + cps[i + 2]);
      } else if (c !== " " && cps[i + 1] === " " && i + 2 < cps.length && cps[i + 2] !== " ") {
        out.add(c + " " + cps[i + 2]); // around a space
      }
    }
    addWords(t, prefixMax || 10, out);
    return out;
  }

  /** At most max items of the list, spread evenly, first and last included. */
  function spread(list, max) {
    if (list.length <= max) return list;
    var out = [];
    for (var k = 0; k < max; k++) out.push(list[Math.round(k * (list.length - 1) / (max - 1))]);
    return out;
  }

  /**
   * The terms a page must hold if its text contains the (normalised) phrase, and whether
   * holding them already proves it ("exact"): one character; two or three characters that
   * form one term, the first of which is not a Latin letter or digit; one Latin/digit word
   * of at most prefixMax characters. Triples are used where the phrase has them, pairs and single
   * characters only where no triple covers them; of a long phrase, MAX_NGRAMS spread over it.
   */
  function phraseTerms(phrase, prefixMax) {
    var cps = Array.from(phrase);
    var n = cps.length;
    var link = [];
    var i;
    for (i = 0; i + 1 < n; i++) link[i] = isPair(cps[i], cps[i + 1]);
    var ngrams = [];
    var linkInTriple = [];
    var covered = [];
    for (i = 0; i + 2 < n; i++) {
      if (link[i] && link[i + 1]) {
        ngrams.push(cps[i] + cps[i + 1] + cps[i + 2]);
        linkInTriple[i] = linkInTriple[i + 1] = true;
      } else if (cps[i] !== " " && cps[i + 1] === " " && cps[i + 2] !== " ") {
        ngrams.push(cps[i] + " " + cps[i + 2]);
        covered[i] = covered[i + 2] = true;
      }
    }
    for (i = 0; i + 1 < n; i++) {
      if (link[i]) {
        covered[i] = covered[i + 1] = true;
        if (!linkInTriple[i]) ngrams.push(cps[i] + cps[i + 1]);
      }
    }
    var terms = [];
    for (i = 0; i < n; i++) {
      if (!covered[i] && cps[i] !== " " && !isAlnum(cps[i])) terms.push(cps[i]);
    }
    terms = terms.concat(spread(ngrams, MAX_NGRAMS));
    var m;
    WORD_RE.lastIndex = 0;
    while ((m = WORD_RE.exec(phrase)) !== null) {
      var w = m[0];
      var last = m.index + w.length === phrase.length;
      // the phrase's last word may be the prefix of a longer word in the text
      terms.push(last && w.length > prefixMax ? w.slice(0, prefixMax) : w);
    }
    var exact = (n === 1 && !isAlnum(cps[0]) && cps[0] !== " ") ||
      (n === 2 && !isAlnum(cps[0]) && link[0]) ||
      (n === 3 && !isAlnum(cps[0]) && ((link[0] && link[1]) || cps[1] === " ")) ||
      (ALL_ALNUM_RE.test(phrase) && phrase.length <= prefixMax);
    return { terms: unique(terms), exact: exact };
  }

  /** Where the normalised phrase occurs in the normalised text, from `from`; -1 if nowhere.
   *  A phrase starting with a letter or digit must start a word (no match inside "xpress"). */
  function find(text, phrase, from) {
    var i = from || 0;
    var anchored = isAlnum(phrase[0]);
    for (;;) {
      i = text.indexOf(phrase, i);
      if (i < 0) return -1;
      if (!anchored || i === 0 || !isAlnum(text[i - 1])) return i;
      i += 1;
    }
  }

  /** Split a query into phrases: words, "quoted phrases", and -excluded ones. */
  function parseQuery(query) {
    var s = String(query == null ? "" : query).normalize("NFKC");
    var include = [];
    var exclude = [];
    var i = 0;
    var n = s.length;
    while (i < n) {
      while (i < n && WS_ONE_RE.test(s[i])) i++;
      if (i >= n) break;
      var negative = false;
      if (s[i] === "-" && i + 1 < n && !WS_ONE_RE.test(s[i + 1])) {
        negative = true;
        i++;
      }
      var raw;
      var q = OPEN_QUOTES.indexOf(s[i]);
      if (q >= 0) {
        var j = i + 1;
        while (j < n && CLOSE_QUOTES.indexOf(s[j]) < 0) j++;
        raw = s.slice(i + 1, j);
        i = j + 1;
      } else {
        var k = i;
        while (k < n && !WS_ONE_RE.test(s[k])) k++;
        raw = s.slice(i, k);
        i = k;
      }
      var phrase = normalize(raw).trim();
      if (!phrase) continue;
      var list = negative ? exclude : include;
      if (list.indexOf(phrase) < 0) list.push(phrase);
    }
    return { include: include, exclude: exclude };
  }

  function fnv1a32(str) {
    var bytes = utf8(str);
    var h = 0x811c9dc5;
    for (var i = 0; i < bytes.length; i++) {
      h ^= bytes[i];
      h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
  }

  var encoder = typeof TextEncoder !== "undefined" ? new TextEncoder() : null;
  var decoder = typeof TextDecoder !== "undefined" ? new TextDecoder("utf-8") : null;

  function utf8(str) {
    return encoder.encode(str);
  }

  function unique(list) {
    var seen = new Set();
    var out = [];
    for (var i = 0; i < list.length; i++) {
      if (!seen.has(list[i])) {
        seen.add(list[i]);
        out.push(list[i]);
      }
    }
    return out;
  }

  function escapeHtml(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // ---------------------------------------------------------------------------------------
  // binary postings (see generator/static_search.py)

  function readVarint(data, pos) {
    var n = 0;
    var mul = 1;
    for (;;) {
      var b = data[pos++];
      n += (b & 0x7f) * mul;
      if (b < 0x80) return [n, pos];
      mul *= 128;
    }
  }

  /** Sorted ids of a postings blob data[start:end]. */
  function decodeIds(data, start, end) {
    if (start >= end) return new Int32Array(0);
    var enc = data[start];
    var pos = start + 1;
    var out = [];
    var r;
    if (enc === 0) {
      var prev = -1;
      while (pos < end) {
        r = readVarint(data, pos);
        pos = r[1];
        prev += r[0] + 1;
        out.push(prev);
      }
    } else if (enc === 1) {
      r = readVarint(data, pos);
      var first = r[0];
      pos = r[1];
      for (var j = 0; pos < end; j++, pos++) {
        var byte = data[pos];
        for (var b = 0; b < 8; b++) if ((byte >> b) & 1) out.push(first + 8 * j + b);
      }
    } else if (enc === 2) {
      var after = 0;
      while (pos < end) {
        r = readVarint(data, pos);
        pos = r[1];
        var s = after + r[0];
        r = readVarint(data, pos);
        pos = r[1];
        for (var x = 0; x <= r[0]; x++) out.push(s + x);
        after = s + r[0] + 1;
      }
    } else {
      throw new Error("oasearch: unknown postings encoding " + enc);
    }
    return Int32Array.from(out);
  }

  /** term -> {body: [start, end], title: [start, end]} of a shard. */
  function parseShard(data) {
    var map = new Map();
    var pos = 0;
    var r;
    while (pos < data.length) {
      r = readVarint(data, pos);
      var term = decoder.decode(data.subarray(r[1], r[1] + r[0]));
      pos = r[1] + r[0];
      r = readVarint(data, pos);
      var body = [r[1], r[1] + r[0]];
      pos = r[1] + r[0];
      r = readVarint(data, pos);
      var title = [r[1], r[1] + r[0]];
      pos = r[1] + r[0];
      map.set(term, { body: body, title: title });
    }
    return { data: data, terms: map };
  }

  /** value -> [start, end] of a filter file. */
  function parseFilter(data) {
    var map = new Map();
    var pos = 0;
    var r;
    while (pos < data.length) {
      r = readVarint(data, pos);
      var value = decoder.decode(data.subarray(r[1], r[1] + r[0]));
      pos = r[1] + r[0];
      r = readVarint(data, pos);
      map.set(value, [r[1], r[1] + r[0]]);
      pos = r[1] + r[0];
    }
    return { data: data, values: map };
  }

  function intersect(a, b) {
    var out = [];
    var i = 0;
    var j = 0;
    while (i < a.length && j < b.length) {
      if (a[i] < b[j]) i++;
      else if (a[i] > b[j]) j++;
      else {
        out.push(a[i]);
        i++;
        j++;
      }
    }
    return Int32Array.from(out);
  }

  function union(lists) {
    var seen = new Set();
    for (var i = 0; i < lists.length; i++) for (var j = 0; j < lists[i].length; j++) seen.add(lists[i][j]);
    return Int32Array.from(seen).sort();
  }

  function difference(a, b) {
    var drop = new Set(b);
    var out = [];
    for (var i = 0; i < a.length; i++) if (!drop.has(a[i])) out.push(a[i]);
    return Int32Array.from(out);
  }

  // ---------------------------------------------------------------------------------------
  // the engine

  function create(options) {
    var opts = options || {};
    var base = String(opts.base || "search/");
    if (base.charAt(base.length - 1) !== "/") base += "/";
    var fetchFn = opts.fetch || (typeof fetch === "function" ? fetch : null);
    if (!fetchFn) throw new Error("oasearch: no fetch function");
    var files = new Map(); // path -> Promise<Uint8Array>
    var parsed = new Map(); // path -> parsed shard / filter / doc
    var log = [];
    var total = 0;
    var states = new Map(); // query key -> verification state
    var metaPromise = null;

    function get(path, version) {
      var p = files.get(path);
      if (!p) {
        var url = base + path + (version ? "?v=" + encodeURIComponent(version) : "");
        p = Promise.resolve(fetchFn(url, version ? undefined : { cache: "no-cache" }))
          .then(function (resp) {
            if (!resp.ok) throw new Error("oasearch: " + url + ": HTTP " + resp.status);
            return resp.arrayBuffer();
          })
          .then(function (buf) {
            var bytes = new Uint8Array(buf);
            total += bytes.length;
            log.push([path, bytes.length]);
            return bytes;
          });
        p.catch(function () {
          files.delete(path); // let a later query retry
        });
        files.set(path, p);
      }
      return p;
    }

    /** A file of this build (meta.json names the build), parsed once. */
    function getParsed(path, parse) {
      if (parsed.has(path)) return Promise.resolve(parsed.get(path));
      return meta().then(function (m) {
        return get(path, m.build || "0");
      }).then(function (data) {
        if (!parsed.has(path)) parsed.set(path, parse(data));
        return parsed.get(path);
      });
    }

    function meta() {
      if (!metaPromise) {
        metaPromise = get("meta.json").then(function (data) {
          var m = JSON.parse(decoder.decode(data));
          if (m.version !== FORMAT_VERSION) {
            throw new Error("oasearch: index format " + m.version + ", this script reads " + FORMAT_VERSION);
          }
          return m;
        });
        metaPromise.catch(function () {
          metaPromise = null;
        });
      }
      return metaPromise;
    }

    function shardPath(m, term) {
      return "shards/" + (fnv1a32(term) & (m.shards - 1)) + ".bin";
    }

    /** {body, title} id lists of each term. */
    function postings(m, terms) {
      var paths = unique(terms.map(function (t) { return shardPath(m, t); }));
      return Promise.all(paths.map(function (p) { return getParsed(p, parseShard); })).then(function () {
        var out = new Map();
        terms.forEach(function (t) {
          var shard = parsed.get(shardPath(m, t));
          var e = shard.terms.get(t);
          out.set(t, {
            body: e ? decodeIds(shard.data, e.body[0], e.body[1]) : new Int32Array(0),
            title: e ? decodeIds(shard.data, e.title[0], e.title[1]) : new Int32Array(0),
          });
        });
        return out;
      });
    }

    function filterIds(m, filters) {
      var keys = Object.keys(filters || {}).filter(function (k) {
        var v = filters[k];
        return m.filters[k] && v != null && (Array.isArray(v) ? v.length : String(v) !== "");
      }).sort();
      return Promise.all(keys.map(function (k) {
        return getParsed("filters/" + m.filters[k].file + ".bin", parseFilter).then(function (f) {
          var values = Array.isArray(filters[k]) ? filters[k] : [filters[k]];
          return union(values.map(function (v) {
            var span = f.values.get(String(v));
            return span ? decodeIds(f.data, span[0], span[1]) : new Int32Array(0);
          }));
        });
      }));
    }

    function docPath(m, id) {
      return "docs/" + Math.floor(id / m.doc_dir) + "/" + id + ".json";
    }

    function getDoc(m, id) {
      return getParsed(docPath(m, id), function (data) {
        var d = JSON.parse(decoder.decode(data));
        d.id = id;
        d.norm = normalize(d.x);
        return d;
      });
    }

    function matches(doc, plan) {
      for (var i = 0; i < plan.include.length; i++) if (find(doc.norm, plan.include[i], 0) < 0) return false;
      for (var j = 0; j < plan.exclude.length; j++) if (find(doc.norm, plan.exclude[j], 0) >= 0) return false;
      return true;
    }

    /** The ordered candidate ids of a query, and whether they are already exact. */
    function plan(query, o) {
      var q = parseQuery(query);
      var empty = { ids: new Int32Array(0), exact: true, include: q.include, exclude: q.exclude };
      if (!q.include.length) return Promise.resolve(empty);
      return meta().then(function (m) {
        var inc = q.include.map(function (p) { return phraseTerms(p, m.prefix_max); });
        var exc = q.exclude.map(function (p) { return phraseTerms(p, m.prefix_max); });
        var withTerms = inc.filter(function (x) { return x.terms.length > 0; });
        if (!withTerms.length) return empty; // only punctuation: nothing to look up
        var exactExc = exc.filter(function (x) { return x.exact; });
        var terms = [];
        withTerms.concat(exactExc).forEach(function (x) { terms = terms.concat(x.terms); });
        return Promise.all([postings(m, unique(terms)), filterIds(m, o.filters)]).then(function (r) {
          var lists = r[0];
          var ids = null;
          var title = null;
          withTerms.forEach(function (x) {
            x.terms.forEach(function (t) {
              var e = lists.get(t);
              ids = ids === null ? e.body : intersect(ids, e.body);
              title = title === null ? e.title : intersect(title, e.title);
            });
          });
          r[1].forEach(function (f) { ids = intersect(ids, f); });
          exactExc.forEach(function (x) { ids = difference(ids, lists.get(x.terms[0]).body); });
          if (o.sort !== "date") {
            var top = intersect(title, ids);
            var rest = difference(ids, top);
            var ordered = new Int32Array(ids.length);
            ordered.set(top, 0);
            ordered.set(rest, top.length);
            ids = ordered;
          }
          var exact = inc.every(function (x) { return x.exact; }) &&
            exc.every(function (x) { return x.exact; });
          return { ids: ids, exact: exact, include: q.include, exclude: q.exclude };
        });
      });
    }

    function stateFor(query, o) {
      var key = JSON.stringify([parseQuery(query), o.sort === "date" ? "date" : "relevance", sortedFilters(o.filters)]);
      var st = states.get(key);
      if (!st) {
        st = { plan: plan(query, o), pos: 0, found: [], queue: Promise.resolve() };
        st.plan.catch(function () { states.delete(key); });
        if (states.size >= MAX_STATES) states.delete(states.keys().next().value);
        states.set(key, st);
      }
      return st;
    }

    /** Check candidates in order until `need` results are known, the candidates run out,
     *  or `budget` pages have been checked in this call. */
    function verify(m, st, p, need, budget) {
      var checked = 0;
      var round = 0;
      function step() {
        if (st.found.length >= need || st.pos >= p.ids.length || checked >= budget) return Promise.resolve();
        // as many as are missing; after a round with misses, twice as many (fewer round trips)
        var size = (need - st.found.length) * (round++ && !p.exact ? 2 : 1);
        size = Math.min(size, BATCH_MAX, p.ids.length - st.pos, budget - checked);
        var batch = Array.from(p.ids.subarray(st.pos, st.pos + size));
        return Promise.all(batch.map(function (id) { return getDoc(m, id); })).then(function (docs) {
          docs.forEach(function (d) {
            if (matches(d, p)) st.found.push(d.id);
          });
          st.pos += batch.length;
          checked += batch.length;
          return step();
        });
      }
      return step();
    }

    function search(query, options) {
      var o = options || {};
      var perPage = Math.max(1, Math.floor(o.perPage || 10));
      var page = Math.max(1, Math.floor(o.page || 1));
      var budget = o.maxVerify == null ? 50 : o.maxVerify;
      var st = stateFor(query, o);
      return st.plan.then(function (p) {
        if (!p.ids.length) {
          return { total: 0, approximate: false, complete: true, more: false, candidates: 0, results: [] };
        }
        return meta().then(function (m) {
          var need = page * perPage;
          // one check at a time per query, or two calls could take the same candidates
          var checking = st.queue.then(function () { return verify(m, st, p, need, budget + need); });
          st.queue = checking.catch(function () {});
          return checking.then(function () {
            var done = st.pos >= p.ids.length;
            var found = st.found.length;
            var ids = st.found.slice((page - 1) * perPage, need);
            // not all checked: estimate from the share of checked candidates that matched
            var total = p.exact ? p.ids.length : done ? found :
              found + Math.round((p.ids.length - st.pos) * found / Math.max(st.pos, 1));
            return Promise.all(ids.map(function (id) { return getDoc(m, id); })).then(function (docs) {
              return {
                total: total,
                approximate: !p.exact && !done,
                complete: done || found >= need,
                more: p.exact ? p.ids.length > need : found > need || !done,
                candidates: p.ids.length,
                results: docs.map(function (d) { return result(d, p); }),
              };
            });
          });
        });
      });
    }

    return {
      search: search,
      meta: meta,
      bytesFetched: function () { return total; },
      fetched: function () { return log.slice(); },
    };
  }

  function sortedFilters(filters) {
    var out = [];
    Object.keys(filters || {}).sort().forEach(function (k) {
      var v = filters[k];
      var values = (Array.isArray(v) ? v : v == null || v === "" ? [] : [v]).map(String).sort();
      if (values.length) out.push([k, values]);
    });
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // snippets

  /** Normalise text code point by code point, remembering where each normalised UTF-16 unit
   *  came from; null when that differs from normalising the whole text at once. */
  function mappedNormalize(text, whole) {
    var units = [];
    var src = [];
    for (var i = 0; i < text.length;) {
      var cp = text.codePointAt(i);
      var ch = String.fromCodePoint(cp);
      var n = ch.normalize("NFKC").toLowerCase();
      for (var k = 0; k < n.length; k++) {
        units.push(n[k]);
        src.push(i);
      }
      i += ch.length;
    }
    var out = "";
    var from = [];
    var prevSpace = false;
    for (var u = 0; u < units.length; u++) {
      var c = units[u];
      if (HSPACE_ONE_RE.test(c) && u > 0 && HAN_ONE_RE.test(units[u - 1])) {
        // white space between two Chinese characters is dropped (see normalize)
        var v = u;
        while (v < units.length && HSPACE_ONE_RE.test(units[v])) v++;
        if (v < units.length && HAN_ONE_RE.test(units[v])) {
          u = v - 1;
          continue;
        }
      }
      var isWs = WS_ONE_RE.test(c);
      if (isWs && prevSpace) continue;
      prevSpace = isWs;
      out += isWs ? " " : c;
      from.push(src[u]);
    }
    from.push(text.length);
    return out === whole ? from : null;
  }

  /** [index in doc.norm, label, alias] of each article head of a regulation (doc.a), in order. */
  function articleHeads(doc) {
    if (doc.heads) return doc.heads;
    var heads = [];
    var pos = 0;
    (doc.a || []).forEach(function (art) {
      var j = doc.norm.indexOf(art[0], pos);
      while (j > 0 && doc.norm[j - 1] !== " ") j = doc.norm.indexOf(art[0], j + 1);
      if (j >= 0) {
        heads.push([j, art[0], art[1]]);
        pos = j + art[0].length;
      }
    });
    doc.heads = heads;
    return heads;
  }

  /** The article a position of doc.norm falls in, or null. */
  function articleAt(doc, index) {
    var heads = articleHeads(doc);
    var lo = 0;
    var hi = heads.length - 1;
    var best = null;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (heads[mid][0] <= index) {
        best = heads[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /** The articles of a regulation that hold a phrase, in text order (at most MAX_ARTICLES), and how many. */
  function matchedArticles(doc, phrases) {
    if (!doc.a || !doc.a.length) return { list: [], count: 0 };
    var seen = {};
    var list = [];
    phrases.forEach(function (ph) {
      var i = find(doc.norm, ph, 0);
      var guard = 0;
      while (i >= 0 && guard++ < 5000) {
        var art = articleAt(doc, i);
        if (art && !seen[art[2]]) {
          seen[art[2]] = true;
          list.push({ label: art[1], anchor: art[2], at: art[0] });
        }
        i = find(doc.norm, ph, i + Math.max(1, ph.length));
      }
    });
    list.sort(function (a, b) { return a.at - b.at; });
    return { list: list.slice(0, MAX_ARTICLES), count: list.length };
  }

  function marksIn(norm, phrases, start, end) {
    var spans = [];
    phrases.forEach(function (ph) {
      var i = find(norm, ph, Math.max(0, start - ph.length + 1));
      while (i >= 0 && i < end) {
        spans.push([i, i + ph.length]);
        i = find(norm, ph, i + Math.max(1, ph.length));
      }
    });
    spans.sort(function (a, b) { return a[0] - b[0] || b[1] - a[1]; });
    var merged = [];
    spans.forEach(function (s) {
      var last = merged[merged.length - 1];
      if (last && s[0] <= last[1]) last[1] = Math.max(last[1], s[1]);
      else merged.push([s[0], s[1]]);
    });
    return merged;
  }

  /** [{text, mark}] of the window [start, end) of norm, marks in original text when mapped. */
  function pieces(orig, norm, from, start, end, phrases) {
    var spans = marksIn(norm, phrases, start, end);
    var src = from ? orig : norm;
    var at = function (i) { return from ? from[i] : i; };
    var out = [];
    var pos = start;
    spans.forEach(function (s) {
      var a = Math.max(s[0], start);
      var b = Math.min(s[1], end);
      if (a > pos) out.push({ text: src.slice(at(pos), at(a)), mark: false });
      if (b > a) out.push({ text: src.slice(at(a), at(b)), mark: true });
      pos = Math.max(pos, b);
    });
    if (end > pos) out.push({ text: src.slice(at(pos), at(end)), mark: false });
    return out;
  }

  function snippet(doc, phrases) {
    var norm = doc.norm;
    var titleNorm = normalize(doc.t).trim();
    var skip = titleNorm && norm.trim().indexOf(titleNorm) === 0 ? norm.indexOf(titleNorm) + titleNorm.length : 0;
    var first = -1;
    phrases.forEach(function (ph) {
      var i = find(norm, ph, skip);
      if (i >= 0 && (first < 0 || i < first)) first = i;
    });
    if (first < 0) {
      // only the title matches: show the excerpt, with any matches in it marked
      var en = normalize(doc.e || "");
      return pieces(doc.e || "", en, mappedNormalize(doc.e || "", en), 0, en.length, phrases);
    }
    var from = mappedNormalize(doc.x, norm);
    var start = Math.max(skip, first - SNIPPET_BEFORE);
    var end = Math.min(norm.length, start + SNIPPET_LENGTH);
    if (end - start < SNIPPET_LENGTH) start = Math.max(skip, end - SNIPPET_LENGTH);
    while (start < first && LEADING_RE.test(norm[start])) start++; // no ", text" after the title
    // do not cut a surrogate pair
    if (start > 0 && /[\udc00-\udfff]/.test(norm[start])) start--;
    if (end < norm.length && /[\udc00-\udfff]/.test(norm[end])) end++;
    var out = pieces(doc.x, norm, from, start, end, phrases);
    if (start > skip) out.unshift({ text: "…", mark: false });
    if (end < norm.length) out.push({ text: "…", mark: false });
    return out;
  }

  function result(doc, p) {
    var parts = snippet(doc, p.include).map(function (x) {
      return { text: x.text.replace(WS_RE, " "), mark: x.mark };
    });
    // a regulation: the hit is the first article that holds the query (issue 8)
    var arts = matchedArticles(doc, p.include);
    var first = arts.list.length ? arts.list[0] : null;
    return {
      url: first ? doc.u + "#" + first.anchor : doc.u,
      page: doc.u,
      article: first ? first.label : null,
      articles: arts.list.map(function (a) { return { label: a.label, url: doc.u + "#" + a.anchor }; }),
      articleCount: arts.count,
      title: doc.t,
      type: doc.y,
      date: doc.d,
      excerpt: doc.e,
      snippet: parts,
      snippetHtml: parts.map(function (x) {
        return x.mark ? "<mark>" + escapeHtml(x.text) + "</mark>" : escapeHtml(x.text);
      }).join(""),
    };
  }

  // ---------------------------------------------------------------------------------------
  // the /search/ page

  var FILTER_ORDER = ["type", "category", "year", "issuer", "kind", "validity"];
  var DEFAULT_FILTER_NAMES = {
    type: "类型", category: "类别", year: "年份", issuer: "发布机关", kind: "文件种类", validity: "效力状态",
  };
  var DEFAULT_UI = {
    placeholder: "搜索",
    label: "搜索关键词",
    submit: "搜索",
    results: "共 {n} 条结果",
    results_about: "约 {n} 条结果",
    none: "未找到",
    more: "更多",
    sort: "排序",
    sort_relevance: "按相关度",
    sort_date: "按日期",
    all: "全部",
    loading: "正在搜索…",
    error: "搜索暂不可用",
  };

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { node.appendChild(c); });
    return node;
  }

  function format(template, n) {
    return String(template).split("{n}").join(String(n));
  }

  function mountPage(rootEl, options) {
    var o = options || {};
    var labels = {};
    try {
      labels = JSON.parse(rootEl.getAttribute("data-labels") || "{}") || {};
    } catch (e) {
      labels = {};
    }
    var ui = Object.assign({}, DEFAULT_UI, labels.ui || {});
    var filterNames = Object.assign({}, DEFAULT_FILTER_NAMES, labels.filter_names || {});
    var perPage = Number(rootEl.getAttribute("data-per-page")) || 10;
    var baseUrl = new URL(rootEl.getAttribute("data-base") || "../search/", window.location.href);
    var siteRoot = new URL("../", baseUrl);
    var engine = o.engine || create({ base: baseUrl.href, fetch: o.fetch });

    var id = rootEl.id || "oa-search";
    var input = el("input", {
      type: "search", name: "q", id: id + "-q", class: "oa-search__input", autocomplete: "off",
      placeholder: ui.placeholder, "aria-label": ui.label,
    });
    var sort = el("select", { name: "sort", class: "oa-search__sort", "aria-label": ui.sort }, [
      el("option", { value: "relevance", text: ui.sort_relevance }),
      el("option", { value: "date", text: ui.sort_date }),
    ]);
    var filterBox = el("div", { class: "oa-search__filters" });
    var button = el("button", { type: "submit", class: "oa-search__submit md-button md-button--primary", text: ui.submit });
    // the filters sit behind a "筛选" toggle: folded on a phone, open on a wide screen
    var filterToggle = el("details", { class: "oa-toggle oa-search__toggle" }, [
      el("summary", { class: "oa-search__toggle-label", text: ui.filters || "筛选" }), filterBox,
    ]);
    if (window.matchMedia && window.matchMedia("(min-width: 45em)").matches) filterToggle.open = true;
    var form = el("form", { class: "oa-search__form", role: "search", action: "" }, [
      el("div", { class: "oa-search__bar" }, [input, button]), filterToggle,
    ]);
    var status = el("p", { class: "oa-search__status", role: "status", "aria-live": "polite" });
    var list = el("ol", { class: "oa-search__results" });
    var more = el("button", { type: "button", class: "oa-search__more md-button", text: ui.more });
    more.hidden = true;
    rootEl.textContent = "";
    rootEl.appendChild(form);
    rootEl.appendChild(status);
    rootEl.appendChild(list);
    rootEl.appendChild(more);

    var selects = {};
    var shown = perPage;
    var seq = 0;
    var timer = null;
    var metaData = null;

    function label(key, value) {
      var table = labels[key] || {};
      return Object.prototype.hasOwnProperty.call(table, value) ? String(table[value]) : String(value);
    }

    function params() {
      return new URLSearchParams(window.location.search);
    }

    function buildFilters(m) {
      var keys = Object.keys(m.filters).sort(function (a, b) {
        var ia = FILTER_ORDER.indexOf(a);
        var ib = FILTER_ORDER.indexOf(b);
        return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : a > b ? 1 : 0);
      });
      keys.forEach(function (key) {
        var values = m.filters[key].values.map(function (v) { return v[0]; });
        if (key === "year") values.sort().reverse();
        var name = filterNames[key] || key;
        var select = el("select", { name: key, class: "oa-search__filter oa-search__filter--" + key, "aria-label": name });
        select.appendChild(el("option", { value: "", text: name + "：" + ui.all }));
        values.forEach(function (v) { select.appendChild(el("option", { value: v, text: label(key, v) })); });
        select.addEventListener("change", function () { run(true); });
        selects[key] = select;
        filterBox.appendChild(select);
      });
      filterBox.appendChild(sort);
    }

    function readUrl() {
      var ps = params();
      input.value = ps.get("q") || "";
      sort.value = ps.get("sort") === "date" ? "date" : "relevance";
      Object.keys(selects).forEach(function (key) {
        var v = ps.get(key) || "";
        var ok = Array.prototype.some.call(selects[key].options, function (opt) { return opt.value === v; });
        selects[key].value = ok ? v : "";
        if (ok && v) filterToggle.open = true;
      });
    }

    /** Hide the filters that do not apply to the chosen type (category for disclosures only...). */
    function applicable(key) {
      var type = selects.type ? selects.type.value : "";
      var types = metaData && metaData.filters[key] ? metaData.filters[key].types : [];
      return key === "type" || !type || types.indexOf(type) >= 0;
    }

    function current() {
      var filters = {};
      Object.keys(selects).forEach(function (key) {
        var ok = applicable(key);
        selects[key].hidden = !ok;
        if (ok && selects[key].value) filters[key] = [selects[key].value];
      });
      return { q: input.value, filters: filters, sort: sort.value };
    }

    function writeUrl(c) {
      var ps = params();
      ["q", "sort"].concat(Object.keys(selects)).forEach(function (k) { ps.delete(k); });
      if (c.q) ps.set("q", c.q);
      Object.keys(c.filters).forEach(function (k) { ps.set(k, c.filters[k][0]); });
      if (c.sort === "date") ps.set("sort", "date");
      var qs = ps.toString();
      var url = window.location.pathname + (qs ? "?" + qs : "") + window.location.hash;
      if (window.history && window.history.replaceState) window.history.replaceState(null, "", url);
    }

    function href(url) {
      return new URL(String(url).replace(/^\/+/, ""), siteRoot).href;
    }

    function render(res) {
      list.textContent = "";
      res.results.forEach(function (r) {
        var snippetEl = el("p", { class: "oa-search__snippet" });
        r.snippet.forEach(function (part) {
          snippetEl.appendChild(part.mark ? el("mark", { text: part.text }) : document.createTextNode(part.text));
        });
        var metaEl = el("div", { class: "oa-search__meta" }, [
          el("span", { class: "oa-search__badge oa-search__badge--" + r.type, text: label("type", r.type) }),
        ]);
        if (r.date) {
          metaEl.appendChild(document.createTextNode(" · "));
          metaEl.appendChild(el("time", { datetime: r.date, text: r.date }));
        }
        var titleEl = el("a", { class: "oa-search__title", href: href(r.url), text: r.title });
        if (r.article) titleEl.appendChild(el("span", { class: "oa-search__article", text: " " + r.article }));
        var children = [titleEl, metaEl, snippetEl];
        if (r.articles && r.articles.length > 1) {
          // the other articles of the same law that hold the query: one group per law
          var more = el("p", { class: "oa-search__articles" });
          r.articles.slice(1).forEach(function (a, i) {
            if (i) more.appendChild(document.createTextNode(" · "));
            more.appendChild(el("a", { href: href(a.url), text: a.label }));
          });
          if (r.articleCount > r.articles.length) more.appendChild(document.createTextNode(" … (" + r.articleCount + ")"));
          children.push(more);
        }
        list.appendChild(el("li", { class: "oa-search__result" }, children));
      });
      if (!res.total) status.textContent = ui.none;
      else status.textContent = format(res.approximate ? ui.results_about : ui.results, res.total);
      more.hidden = !res.more; // more results, or candidates not yet checked
    }

    function run(reset) {
      if (reset) shown = perPage;
      var c = current();
      writeUrl(c);
      var mine = ++seq;
      if (!c.q.trim()) {
        list.textContent = "";
        status.textContent = "";
        more.hidden = true;
        return Promise.resolve();
      }
      status.textContent = ui.loading;
      rootEl.setAttribute("aria-busy", "true");
      return engine.search(c.q, { filters: c.filters, sort: c.sort, page: 1, perPage: shown }).then(function (res) {
        if (mine !== seq) return;
        rootEl.removeAttribute("aria-busy");
        render(res);
      }, function (err) {
        if (mine !== seq) return;
        rootEl.removeAttribute("aria-busy");
        status.textContent = ui.error;
        if (typeof console !== "undefined") console.error(err);
      });
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      clearTimeout(timer);
      run(true);
    });
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { run(true); }, 300);
    });
    sort.addEventListener("change", function () { run(true); });
    more.addEventListener("click", function () {
      shown += perPage;
      run(false);
    });

    return engine.meta().then(function (m) {
      metaData = m;
      buildFilters(m);
      readUrl();
      return run(true);
    }, function (err) {
      status.textContent = ui.error;
      if (typeof console !== "undefined") console.error(err);
    });
  }

  return {
    create: create,
    mountPage: mountPage,
    // exported for tests
    normalize: normalize,
    tokens: tokens,
    phraseTerms: phraseTerms,
    parseQuery: parseQuery,
    fnv1a32: fnv1a32,
    find: find,
  };
});
