/* OpenAffairs (issue 10): a page in two languages names its other-language version with
   <link rel="alternate" hreflang> in its HTML, for search engines.  mkdocs-material's script
   takes every exact rel="alternate" for a language root of its own selector: it fetches a
   sitemap.xml beside each (from the site's public host, even in a local preview) and rewrites
   clicks on links below it.  The page has its own switch (a.oa-lang), so before that script
   runs the links get a second rel token, which keeps their meaning and stops the fetching. */
(function () {
  var links = document.querySelectorAll('link[rel="alternate"][hreflang]');
  for (var i = 0; i < links.length; i++) links[i].setAttribute("rel", "alternate oa-hreflang");
})();
