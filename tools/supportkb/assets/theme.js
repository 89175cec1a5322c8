/* supportkb: what Material leaves out for keyboard and screen-reader users (axe-core
 * "serious" violations): its search dialog gets a name (the search field's), and a table
 * wider than the screen, which scrolls sideways in its own box, can be reached with Tab and
 * scrolled with the arrow keys (only while it overflows: no extra stop otherwise). */
(function () {
  "use strict";

  function nameSearchDialog() {
    var dialog = document.querySelector(".md-search[role='dialog']");
    if (!dialog || dialog.hasAttribute("aria-label") || dialog.hasAttribute("aria-labelledby")) {
      return;
    }
    var input = document.querySelector(".md-search__input");
    dialog.setAttribute("aria-label", (input && input.getAttribute("aria-label")) || "搜尋");
  }

  function reachScrollingTables() {
    document.querySelectorAll(".md-typeset__scrollwrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.setAttribute("tabindex", "0");
      } else if (box.getAttribute("tabindex") === "0") {
        box.removeAttribute("tabindex");
      }
    });
  }

  function prepare() {
    nameSearchDialog();
    reachScrollingTables();
  }

  var pending = 0;
  window.addEventListener("resize", function () {
    window.cancelAnimationFrame(pending);
    pending = window.requestAnimationFrame(reachScrollingTables);
  });
  window.supportkbSite.onEveryPage(prepare); /* site.js */
})();
