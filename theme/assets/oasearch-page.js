/*
 * OpenAffairs public search, the page: the form, filters and results list of /search/,
 * over the engine of oasearch.js (load that first). Mounts itself on #oa-search.
 *
 * Every string it shows comes from the element's data-labels (generator/rendering.py renders
 * them from generator/i18n.py): this file holds no label of its own. Layout, URL state and
 * CSS hooks: docs/search-static.md.
 *   OASearch.mountPage(element, {engine, fetch}) -> Promise (the first search done)
 */
(function (OASearch) {
  "use strict";
  if (!OASearch) throw new Error("oasearch-page.js: load oasearch.js first");

  // Both lists equal SEARCH_FILTER_KEYS and SEARCH_UI_KEYS in generator/i18n.py: every
  // string the page shows comes from data-labels (rendered by generator/rendering.py from
  // i18n.py, keys "search_" + name); a missing one shows its name, never a string of this
  // file's own (tests/test_search_labels.py).
  var FILTER_ORDER = ["type", "category", "year", "issuer", "kind", "validity"];
  var UI_KEYS = [
    "placeholder", "label", "submit", "results", "results_about", "none", "more", "sort",
    "sort_relevance", "sort_date", "all", "loading", "error", "filters", "filter_all",
  ];

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
    var ui = {};
    UI_KEYS.forEach(function (k) {
      ui[k] = labels.ui && labels.ui[k] != null ? String(labels.ui[k]) : k;
    });
    var filterNames = labels.filter_names || {};
    var perPage = Number(rootEl.getAttribute("data-per-page")) || 10;
    var baseUrl = new URL(rootEl.getAttribute("data-base") || "../search/", window.location.href);
    var siteRoot = new URL("../", baseUrl);
    var engine = o.engine || OASearch.create({ base: baseUrl.href, fetch: o.fetch });

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
    // the filters sit behind a toggle (ui.filters): folded on a phone, open on a wide screen
    var filterToggle = el("details", { class: "oa-toggle oa-search__toggle" }, [
      el("summary", { class: "oa-search__toggle-label", text: ui.filters }), filterBox,
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
        select.appendChild(el("option", { value: "", text: ui.filter_all.split("{name}").join(name) }));
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
          // more articles hold it: how many when every window was read, else only "…"
          if (r.articleCount > r.articles.length || r.articlesComplete === false) {
            more.appendChild(document.createTextNode(r.articlesComplete === false ? " …" : " … (" + r.articleCount + ")"));
          }
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

  OASearch.mountPage = mountPage;
  var start = function () {
    var node = document.getElementById("oa-search");
    if (node) mountPage(node);
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof self !== "undefined" ? self.OASearch : undefined);
