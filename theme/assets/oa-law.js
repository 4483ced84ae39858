/* Regulations as structured legal documents (issue 8): the table of contents is
   folded on phones, "go to article N" (Arabic or Chinese numerals), and the
   article number copies the link to the article. No dependencies. */
(function () {
  "use strict";
  var toc = document.getElementById("oa-law-toc");
  if (!toc) return;
  if (window.matchMedia && window.matchMedia("(max-width: 76.2344em)").matches) toc.removeAttribute("open");

  var DIGIT = { "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9 };
  var UNIT = { "十": 10, "百": 100, "千": 1000 };
  function number(s) {
    s = String(s).replace(/[\s第条]/g, "").replace(/[０-９]/g, function (c) { return String.fromCharCode(c.charCodeAt(0) - 0xFEE0); });
    if (/^\d+$/.test(s)) return parseInt(s, 10);
    var total = 0, digit = 0, ok = s.length > 0;
    for (var i = 0; i < s.length; i++) {
      var c = s.charAt(i);
      if (c in DIGIT) digit = DIGIT[c];
      else if (c in UNIT) { total += (digit || 1) * UNIT[c]; digit = 0; }
      else { ok = false; break; }
    }
    return ok ? total + digit : NaN;
  }

  var form = toc.querySelector(".oa-law-jump");
  if (form) {
    form.hidden = false;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var raw = form.querySelector("input").value;
      var m = /^(.*?)(?:之([一二三四五六七八九十\d]+))?$/.exec(raw.trim());
      var n = number(m[1]), sub = m[2] ? number(m[2]) : 0;
      var id = "art-" + n + (sub ? "-" + sub : "");
      var el = document.getElementById(id);
      if (!el) { form.querySelector("input").setCustomValidity("?"); form.reportValidity(); return; }
      form.querySelector("input").setCustomValidity("");
      location.hash = "#" + id;
      if (window.matchMedia && window.matchMedia("(max-width: 76.2344em)").matches) toc.removeAttribute("open");
    });
  }

  document.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a.oa-art-no") : null;
    if (!a || !navigator.clipboard) return;
    var url = location.href.split("#")[0] + a.getAttribute("href");
    navigator.clipboard.writeText(url).then(function () {
      a.classList.add("oa-copied");
      setTimeout(function () { a.classList.remove("oa-copied"); }, 1500);
    }, function () {});
  });

  // a link from the table of contents closes it on phones, so the article is in view
  toc.addEventListener("click", function (ev) {
    var a = ev.target.closest ? ev.target.closest("a") : null;
    if (a && window.matchMedia && window.matchMedia("(max-width: 76.2344em)").matches) toc.removeAttribute("open");
  });
})();
