/* supportkb: what the site's scripts share (this script comes first; window.supportkbSite).
 * - root(), pageUrl(path): the site's root from Material's config, and a path under it;
 * - pagePath(path): a document's page from its repository path, as `kb index` makes its URL;
 * - onEveryPage(callback): once every script of the page has run, and again on each page
 *   Material's instant navigation shows. */
window.supportkbSite = (function () {
  "use strict";

  function root() {
    var config = document.querySelector("script#__config");
    try {
      return new URL(JSON.parse(config.textContent).base, location.href);
    } catch (error) {
      return new URL("/", location.href);
    }
  }

  function pageUrl(path) {
    return new URL(path, root()).href;
  }

  function pagePath(path) {
    var page = path.replace(/^docs\//, "").replace(/\.md$/, "");
    return /(^|\/)(index|README)$/.test(page) ? page.replace(/(index|README)$/, "") : page + "/";
  }

  function onEveryPage(callback) {
    function start() {
      if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
        window.document$.subscribe(callback); /* Material's instant navigation */
      } else {
        callback();
      }
    }
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
    else start();
  }

  return { root: root, pageUrl: pageUrl, pagePath: pagePath, onEveryPage: onEveryPage };
})();
