/* OpenAffairs reading aids (适老化): larger text and high contrast, remembered in
   localStorage on this device only.  No overlay, no third-party script.
   Loaded in <head> (theme/main.html): the classes are on <html> before the first
   paint; the buttons of the top bar are bound once the page is parsed. */
(function () {
  "use strict";
  var KEY = "oa-mode";
  var root = document.documentElement;
  function modes() {
    try { return (localStorage.getItem(KEY) || "").split(" ").filter(Boolean); } catch (e) { return []; }
  }
  function save(list) {
    try { localStorage.setItem(KEY, list.join(" ")); } catch (e) { /* private mode: this page only */ }
  }
  modes().forEach(function (mode) { if (/^oa-[a-z]+$/.test(mode)) root.classList.add(mode); });
  function bind() {
    var current = modes();
    Array.prototype.forEach.call(document.querySelectorAll("[data-oa-mode]"), function (button) {
      var mode = button.getAttribute("data-oa-mode");
      var on = current.indexOf(mode) !== -1;
      root.classList.toggle(mode, on);
      button.setAttribute("aria-pressed", on ? "true" : "false");
      button.addEventListener("click", function () {
        var list = modes();
        var i = list.indexOf(mode);
        if (i === -1) { list.push(mode); } else { list.splice(i, 1); }
        save(list);
        root.classList.toggle(mode, i === -1);
        button.setAttribute("aria-pressed", i === -1 ? "true" : "false");
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();
