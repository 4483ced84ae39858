/*
 * OpenAffairs public search, the engine: queries the static character-n-gram index written
 * by generator/static_search.py (format and reasoning: docs/search-static.md). The /search/
 * page's form and results list are oasearch-page.js, which uses this file.
 *
 * A query is split into phrases (whitespace-separated words, "quoted phrases", -excluded).
 * Each phrase is reduced to index terms (characters, runs of two or three adjacent
 * characters, Latin/digit words and word prefixes), whose postings are fetched shard by
 * shard; their AND gives the candidate pages, a superset of the pages that contain the
 * phrases. Each candidate shown is then checked against its real text, so results are exact;
 * until every candidate has been checked the total is an estimate ("about N", approximate:
 * true), unless the terms alone prove the match (one to three characters, one short word).
 * A long text is published in windows, and the shards say which windows of a page hold a
 * term: a candidate is checked, and its snippet cut, from the windows that can hold the
 * phrase, never the whole text (issue 13).
 *
 * No dependencies, ES2019. Works in browsers and in Node >= 18 (inject `fetch`).
 *   OASearch.create({base, fetch}) -> {search(query, options), meta(), bytesFetched(), fetched()}
 *     search(query, {filters: {type: [...], ...}, sort: "relevance"|"date", page, perPage,
 *                    maxVerify}) -> Promise<{total, approximate, complete, more, candidates,
 *                    results: [{url, title, type, date, excerpt, snippet, snippetHtml}]}>
 *   OASearch.mountPage(element)    -> the /search/ page UI, added by oasearch-page.js
 */
(function (root, factory) {
  "use strict";
  var api = factory();
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else {
    root.OASearch = api;
  }
})(typeof self !== "undefined" ? self : this, function () {
  "use strict";

  var FORMAT_VERSION = 2;
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
  var ARTICLE_WINDOWS = 2; // windows read beyond the snippet's to list a law's other articles
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

  /** page id -> sorted windows that hold the term, of the pages published in windows. */
  function decodeWindows(data, start, end) {
    var out = new Map();
    var pos = start;
    var prev = -1;
    var r;
    while (pos < end) {
      r = readVarint(data, pos);
      prev += r[0] + 1;
      r = readVarint(data, r[1]);
      pos = r[1];
      var n = Math.floor(r[0] / 2);
      var ks = [];
      if (r[0] & 1) {
        var k = -1;
        for (var i = 0; i < n; i++) {
          r = readVarint(data, pos);
          pos = r[1];
          k += r[0] + 1;
          ks.push(k);
        }
      } else {
        for (var j = 0; j < n; j++) {
          var byte = data[pos + j];
          for (var b = 0; b < 8; b++) if ((byte >> b) & 1) ks.push(8 * j + b);
        }
        pos += n;
      }
      out.set(prev, ks);
    }
    return out;
  }

  function contains(sorted, id) {
    var lo = 0;
    var hi = sorted.length - 1;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (sorted[mid] === id) return true;
      if (sorted[mid] < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return false;
  }

  function intersectSmall(a, b) {
    return a.filter(function (x) { return b.indexOf(x) >= 0; });
  }

  /** term -> {body: [start, end], title: [start, end], win: [start, end]} of a shard. */
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
      r = readVarint(data, pos);
      var win = [r[1], r[1] + r[0]];
      pos = r[1] + r[0];
      map.set(term, { body: body, title: title, win: win });
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
          var win = null;
          out.set(t, {
            body: e ? decodeIds(shard.data, e.body[0], e.body[1]) : new Int32Array(0),
            title: e ? decodeIds(shard.data, e.title[0], e.title[1]) : new Int32Array(0),
            // decoded when a candidate is first checked
            windows: function () {
              if (!win) win = e ? decodeWindows(shard.data, e.win[0], e.win[1]) : new Map();
              return win;
            },
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

    /** A page's url, title, type, date, excerpt; its text when it is not in windows. */
    function getDoc(m, id) {
      return getParsed(docPath(m, id), function (data) {
        var d = JSON.parse(decoder.decode(data));
        d.id = id;
        if (d.x != null) d.unit = unit(d.x, d.h, null, 0, true);
        return d;
      });
    }

    /** Window k of a page in windows (a text unit, see unit()). */
    function getWindow(m, id, k) {
      var path = "docs/" + Math.floor(id / m.doc_dir) + "/" + id + "-" + k + ".json";
      return getParsed(path, function (data) {
        var w = JSON.parse(decoder.decode(data));
        var u = unit(w.x, w.h, w.p || null, k, false);
        u.own = w.c; // where the next window starts (the last window has no overlap)
        u.last = w.c === u.norm.length;
        return u;
      });
    }

    /** The windows of page `id` that can hold the phrase x (sorted), [] when none can, or
     *  null when the page is not in windows. A phrase longer than the windows' overlap may
     *  run from one window into the next: "all" (checked against the whole text). */
    function windowsFor(p, id, x) {
      if (!x.terms.length) return "all";
      var ks = null;
      for (var i = 0; i < x.terms.length; i++) {
        var e = p.lists.get(x.terms[i]);
        var w = e.windows().get(id);
        if (w === undefined) return contains(e.body, id) ? null : [];
        ks = ks === null ? w : intersectSmall(ks, w);
      }
      return x.long ? (ks.length ? "all" : []) : ks;
    }

    /** Is the page published in windows? (Every term of it then says which windows hold it.) */
    function inWindowsPage(p, id) {
      var x = p.inc[0];
      return x.terms.length > 0 && p.lists.get(x.terms[0]).windows().has(id);
    }

    /** The whole normalised text of a page in windows, from all its windows. */
    function wholeText(m, id) {
      return getDoc(m, id).then(function (d) {
        var ks = [];
        for (var k = 0; k < d.n; k++) ks.push(k);
        return Promise.all(ks.map(function (k) { return getWindow(m, id, k); })).then(function (units) {
          return units.map(function (u) { return u.norm.slice(0, u.own); }).join("");
        });
      });
    }

    /** Does one of the windows ks of page id hold the phrase? (fetched one after another) */
    function inWindows(m, id, ks, phrase, i) {
      i = i || 0;
      if (ks === "all") return wholeText(m, id).then(function (t) { return find(t, phrase, 0) >= 0; });
      if (i >= ks.length) return Promise.resolve(false);
      return getWindow(m, id, ks[i]).then(function (u) {
        return find(u.norm, phrase, 0) >= 0 ? true : inWindows(m, id, ks, phrase, i + 1);
      });
    }

    /** Does page id hold every included phrase and no excluded one? */
    function matches(m, p, id) {
      var checks = p.inc.map(function (x) { return { x: x, want: true }; })
        .concat(p.exc.map(function (x) { return { x: x, want: false }; }));
      function next(i) {
        if (i >= checks.length) return Promise.resolve(true);
        var c = checks[i];
        var ks = windowsFor(p, id, c.x);
        return inWindows(m, id, ks || "all", c.x.phrase).then(function (found) {
          return found === c.want ? next(i + 1) : false;
        });
      }
      if (!inWindowsPage(p, id)) {
        return getDoc(m, id).then(function (d) {
          if (!d.unit) return next(0);
          var norm = d.unit.norm;
          for (var i = 0; i < p.include.length; i++) if (find(norm, p.include[i], 0) < 0) return false;
          for (var j = 0; j < p.exclude.length; j++) if (find(norm, p.exclude[j], 0) >= 0) return false;
          return true;
        });
      }
      return p.exc.length ? p.loadExcluded().then(function () { return next(0); }) : next(0);
    }

    /** The ordered candidate ids of a query, and whether they are already exact. */
    function plan(query, o) {
      var q = parseQuery(query);
      var empty = { ids: new Int32Array(0), exact: true, include: q.include, exclude: q.exclude };
      if (!q.include.length) return Promise.resolve(empty);
      return meta().then(function (m) {
        var overlap = m.overlap || 64;
        var describe = function (p) {
          var x = phraseTerms(p, m.prefix_max);
          x.phrase = p;
          x.long = Array.from(p).length > overlap;
          return x;
        };
        var inc = q.include.map(describe);
        var exc = q.exclude.map(describe);
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
          var excLoaded = null;
          return {
            ids: ids, exact: exact, include: q.include, exclude: q.exclude, lists: lists, inc: inc, exc: exc,
            // the other excluded phrases' terms say which windows of a long page to check:
            // looked up the first time a candidate in windows is checked
            loadExcluded: function () {
              if (!excLoaded) {
                var more = [];
                exc.forEach(function (x) { x.terms.forEach(function (t) { if (!lists.has(t)) more.push(t); }); });
                excLoaded = postings(m, unique(more)).then(function (found) {
                  found.forEach(function (v, t) { lists.set(t, v); });
                });
                excLoaded.catch(function () { excLoaded = null; });
              }
              return excLoaded;
            },
          };
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
        // an exact query needs no check: its terms prove it
        var checks = batch.map(function (id) { return p.exact ? true : matches(m, p, id); });
        return Promise.all(checks).then(function (ok) {
          batch.forEach(function (id, i) {
            if (ok[i]) st.found.push(id);
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
            return Promise.all(ids.map(function (id) { return result(m, p, id); })).then(function (results) {
              return {
                total: total,
                approximate: !p.exact && !done,
                complete: done || found >= need,
                more: p.exact ? p.ids.length > need : found > need || !done,
                candidates: p.ids.length,
                results: results,
              };
            });
          });
        });
      });
    }

    /** One result: the page, its snippet and (a law) the articles that hold the query. */
    function result(m, p, id) {
      return getDoc(m, id).then(function (d) {
        if (d.unit) return present(d, [d.unit], p.include, true);
        var all = Array.from({ length: d.n }, function (_, k) { return k; });
        // the windows that can hold an included phrase, in text order
        var ks = [];
        p.inc.forEach(function (x) {
          var w = windowsFor(p, id, x);
          if (w === "all" || w === null) w = all;
          w.forEach(function (k) { if (ks.indexOf(k) < 0) ks.push(k); });
        });
        ks.sort(function (a, b) { return a - b; });
        var units = [];
        var found = false;
        var extra = 0;
        function next(i) {
          if (i >= ks.length) return Promise.resolve(true);
          return getWindow(m, id, ks[i]).then(function (u) {
            units.push(u);
            if (found) extra++;
            else found = firstMatch(u, p.include, d.t) >= 0;
            // the snippet is found: a law reads a few more windows for its other articles
            if (found && (!d.a || extra >= ARTICLE_WINDOWS ||
                matchedArticles(units, p.include).list.length >= MAX_ARTICLES)) return i + 1 >= ks.length;
            return next(i + 1);
          });
        }
        return next(0).then(function (complete) { return present(d, units, p.include, complete); });
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

  /**
   * A piece of a page's text: the whole text, or window k of a long one. norm: normalised;
   * heads: [offset in norm, label, alias] of the article heads in it; before: [label, alias]
   * of the article it starts in; last: no window follows.
   */
  function unit(x, heads, before, k, last) {
    return { x: x, norm: normalize(x), heads: heads || [], before: before, k: k, last: last };
  }

  /** Where the page's title ends in its first piece (snippets start after it), else 0. */
  function titleEnd(u, title) {
    if (u.k !== 0) return 0;
    var titleNorm = normalize(title).trim();
    return titleNorm && u.norm.trim().indexOf(titleNorm) === 0 ? u.norm.indexOf(titleNorm) + titleNorm.length : 0;
  }

  /** The first match of a phrase in the piece after the title, or -1. */
  function firstMatch(u, phrases, title) {
    var skip = titleEnd(u, title);
    var first = -1;
    phrases.forEach(function (ph) {
      var i = find(u.norm, ph, skip);
      if (i >= 0 && (first < 0 || i < first)) first = i;
    });
    return first;
  }

  /** The article a position of the piece falls in ([offset, label, alias]), or null. */
  function articleAt(u, index) {
    var heads = u.heads;
    var lo = 0;
    var hi = heads.length - 1;
    var best = u.before ? [-1, u.before[0], u.before[1]] : null;
    while (lo <= hi) {
      var mid = (lo + hi) >> 1;
      if (heads[mid][0] <= index) {
        best = heads[mid];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return best;
  }

  /** The articles of a regulation that hold a phrase, in text order (at most MAX_ARTICLES),
   *  and how many, in the pieces read (in text order). */
  function matchedArticles(units, phrases) {
    var seen = {};
    var list = [];
    units.forEach(function (u) {
      if (!u.heads.length && !u.before) return;
      phrases.forEach(function (ph) {
        var i = find(u.norm, ph, 0);
        var guard = 0;
        while (i >= 0 && guard++ < 5000) {
          var art = articleAt(u, i);
          if (art && !seen[art[2]]) {
            seen[art[2]] = true;
            list.push({ label: art[1], anchor: art[2], k: u.k, at: i });
          }
          i = find(u.norm, ph, i + Math.max(1, ph.length));
        }
      });
    });
    list.sort(function (a, b) { return a.k - b.k || a.at - b.at; });
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

  /** The snippet: [{text, mark}] around the first match after the title in the pieces read,
   *  or the excerpt when only the title matches. */
  function snippet(doc, units, phrases) {
    var u = null;
    var first = -1;
    for (var k = 0; k < units.length && first < 0; k++) {
      first = firstMatch(units[k], phrases, doc.t);
      u = units[k];
    }
    if (first < 0) {
      // only the title matches: show the excerpt, with any matches in it marked
      var en = normalize(doc.e || "");
      return pieces(doc.e || "", en, mappedNormalize(doc.e || "", en), 0, en.length, phrases);
    }
    var norm = u.norm;
    var skip = titleEnd(u, doc.t);
    var from = mappedNormalize(u.x, norm);
    var start = Math.max(skip, first - SNIPPET_BEFORE);
    var end = Math.min(norm.length, start + SNIPPET_LENGTH);
    if (end - start < SNIPPET_LENGTH) start = Math.max(skip, end - SNIPPET_LENGTH);
    while (start < first && LEADING_RE.test(norm[start])) start++; // no ", text" after the title
    // do not cut a surrogate pair
    if (start > 0 && /[\udc00-\udfff]/.test(norm[start])) start--;
    if (end < norm.length && /[\udc00-\udfff]/.test(norm[end])) end++;
    var out = pieces(u.x, norm, from, start, end, phrases);
    if (start > skip || u.k > 0) out.unshift({ text: "…", mark: false });
    if (end < norm.length || !u.last) out.push({ text: "…", mark: false });
    return out;
  }

  /** A result from the page and the pieces of its text that were read. `complete`: every
   *  piece that can hold the query was read, so the count of articles is exact. */
  function present(doc, units, phrases, complete) {
    var parts = snippet(doc, units, phrases).map(function (x) {
      return { text: x.text.replace(WS_RE, " "), mark: x.mark };
    });
    // a regulation: the hit is the first article that holds the query (issue 8)
    var arts = matchedArticles(units, phrases);
    var first = arts.list.length ? arts.list[0] : null;
    return {
      url: first ? doc.u + "#" + first.anchor : doc.u,
      page: doc.u,
      article: first ? first.label : null,
      articles: arts.list.map(function (a) { return { label: a.label, url: doc.u + "#" + a.anchor }; }),
      articleCount: arts.count,
      articlesComplete: complete,
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

  return {
    create: create,
    // exported for tests
    normalize: normalize,
    tokens: tokens,
    phraseTerms: phraseTerms,
    parseQuery: parseQuery,
    fnv1a32: fnv1a32,
    find: find,
  };
});
