/* OpenAffairs reading aids (适老化): larger text and high contrast, remembered in
   localStorage on this device only.  No overlay, no third-party script.
   The class is put on <html> before the first paint by an inline script in main.html. */
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
  var current = modes();
  var buttons = document.querySelectorAll("[data-oa-mode]");
  Array.prototype.forEach.call(buttons, function (button) {
    var mode = button.getAttribute("data-oa-mode");
    var on = current.indexOf(mode) !== -1;
    root.classList.toggle(mode, on);
    button.setAttribute("aria-pressed", on ? "true" : "false");
    button.addEventListener("click", function () {
      var list = modes();
      var i = list.indexOf(mode);
      if (i === -1) { list.push(mode); } else { list.splice(i, 1); }
      save(list);
      var now = i === -1;
      root.classList.toggle(mode, now);
      button.setAttribute("aria-pressed", now ? "true" : "false");
    });
  });
})();
