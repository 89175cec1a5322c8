/* supportkb: what a printed document carries on every sheet (print.css's running header and
 * footer): its id, title, version and effective date, read from the document header's
 * data-kb-* attributes, the day it is printed, and that a printed copy is not controlled. CSS margin boxes
 * cannot read the page, so the text is handed over as custom properties on <html> (CSSOM:
 * kb serve's security policy allows it). */
(function () {
  "use strict";

  var NOTICE = "列印本為非管制文件";

  function isoDay(date) {
    var month = String(date.getMonth() + 1).padStart(2, "0");
    var day = String(date.getDate()).padStart(2, "0");
    return date.getFullYear() + "-" + month + "-" + day;
  }

  /* a CSS string: quotes and backslashes escaped, line breaks made spaces */
  function cssString(text) {
    return '"' + String(text).replace(/[\\"]/g, "\\$&").replace(/[\r\n]+/g, " ") + '"';
  }

  function documentTitle() {
    var heading = document.querySelector(".md-content h1");
    if (!heading) return document.title;
    var copy = heading.cloneNode(true);
    copy.querySelectorAll(".headerlink").forEach(function (link) { link.remove(); });
    return copy.textContent.trim();
  }

  function setProperty(name, text) {
    document.documentElement.style.setProperty(name, cssString(text));
  }

  function prepare() {
    var doc = document.querySelector(".kb-doc[data-kb-id]");
    if (!doc) return;
    var version = doc.getAttribute("data-kb-version"); /* the header's: controlled documents */
    var effective = doc.getAttribute("data-kb-effective");
    var edition = [];
    if (version) edition.push("版本 " + version);
    if (effective) edition.push("生效日 " + effective);
    setProperty("--kb-print-heading", doc.getAttribute("data-kb-id") + "　" + documentTitle());
    setProperty("--kb-print-edition", edition.join("　"));
    setProperty("--kb-print-printed", "列印日期 " + isoDay(new Date()));
    setProperty("--kb-print-notice", NOTICE);
  }

  window.addEventListener("beforeprint", prepare); /* the printed date is the day printed */
  window.supportkbSite.onEveryPage(prepare); /* site.js */
})();
