/* supportkb: re-judge review and drill banners on the day the page is read, not only on the
 * day the site was built (a site can be served for weeks between builds). */
(function () {
  "use strict";

  function isoDay(date) {
    var month = String(date.getMonth() + 1).padStart(2, "0");
    var day = String(date.getDate()).padStart(2, "0");
    return date.getFullYear() + "-" + month + "-" + day;
  }

  function addDays(iso, days) {
    var parts = iso.split("-").map(Number);
    return isoDay(new Date(parts[0], parts[1] - 1, parts[2] + days));
  }

  function refresh() {
    var today = isoDay(new Date());
    document.querySelectorAll(".kb-doc").forEach(function (doc) {
      var soon = addDays(today, Number(doc.getAttribute("data-kb-due-soon-days") || 30));
      doc.querySelectorAll(".kb-banner[data-kb-when]").forEach(function (banner) {
        var due = banner.getAttribute("data-kb-due");
        var when = banner.getAttribute("data-kb-when");
        var show = when === "overdue" ? due < today : due >= today && due <= soon;
        banner.hidden = !show;
      });
    });
  }

  if (typeof window.document$ !== "undefined" && window.document$.subscribe) {
    window.document$.subscribe(refresh); /* Material's instant navigation */
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", refresh);
  } else {
    refresh();
  }
})();
