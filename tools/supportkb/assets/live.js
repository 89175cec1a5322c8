/* supportkb: the live preview of `kb serve --watch` (supportkb.service.live_reload).
 *
 * Asks /api/health once: only when it says "watch": true (kb serve --watch) does the page
 * listen to /api/live, server-sent events, one per rebuild; on static hosting (a static
 * api/health that says "static") and under a plain `kb serve` it does nothing more. A rebuild
 * whose changed pages include this one reloads it, at the same scroll position; a failed
 * rebuild, or one that removed this page (a front-matter that cannot be read, say), leaves
 * the page as it is: the terminal running kb serve says what is wrong, with file and line.
 */
(function () {
  "use strict";

  var site = window.supportkbSite;
  var SCROLL = "supportkb-live-scroll";

  /* this page under the site's root, as the server names pages: "" or "kb/vpn/x/" */
  function sitePath() {
    var root = decodeURIComponent(site.root().pathname);
    var path = decodeURIComponent(location.pathname);
    if (path.indexOf(root) === 0) path = path.slice(root.length);
    return path.replace(/index\.html$/, "");
  }

  function restoreScroll() {
    var kept = null;
    try {
      kept = JSON.parse(sessionStorage.getItem(SCROLL) || "null");
      sessionStorage.removeItem(SCROLL);
    } catch (error) { /* storage refused: the browser's own restoration */ }
    if (kept && kept.path === location.pathname && typeof kept.y === "number") {
      window.scrollTo(0, kept.y);
    }
  }

  function reload() {
    try {
      sessionStorage.setItem(SCROLL, JSON.stringify({ path: location.pathname, y: scrollY }));
    } catch (error) { /* storage refused: the browser's own restoration */ }
    location.reload();
  }

  function listen() {
    var events = new EventSource(site.pageUrl("api/live"));
    events.addEventListener("rebuilt", function (event) {
      var state;
      try { state = JSON.parse(event.data); } catch (error) { return; }
      var here = sitePath();
      if (state.error) return; /* the previous site is still served; the terminal says why */
      if ((state.removed || []).indexOf(here) >= 0) return;
      if ((state.changed || []).indexOf(here) >= 0) {
        events.close();
        reload();
      }
    });
    document.body.classList.add("kb-live-preview");
  }

  function start() {
    if (!site || typeof EventSource === "undefined") return;
    restoreScroll();
    fetch(site.pageUrl("api/health"), { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (health) { if (health && health.watch === true) listen(); })
      .catch(function () { /* no service: nothing to listen to */ });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
