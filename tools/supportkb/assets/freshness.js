/* supportkb: judge due dates on the day the page is read, not only on the day the site was
 * built (a site can be served for weeks, or months, between builds).
 *
 * - a document's review and drill banners (`.kb-banner[data-kb-when]`);
 * - due dates in tables, `<time datetime data-kb-due="review|drill">`: past today, the class
 *   `kb-due--overdue` and the word 逾期 (not told by colour only);
 * - the trust line's badge, `[data-kb-status-due]`: a validated document past its review
 *   date shows the overdue badge (window.supportkbLabels.overdue);
 * - the review calendar: each row moves to the period it falls in today;
 * - the home page: the overdue and due-soon figures, and the most opened documents when
 *   `kb serve` answers GET /api/popular (the list stays hidden otherwise);
 * - the home page's search box: under `kb serve` it opens the full results page, elsewhere
 *   it hands the words to the theme's search.
 * Text from the API is set with textContent.
 */
(function () {
  "use strict";

  var SITE = window.supportkbSite; /* site.js */

  var OVERDUE_WORD = "逾期";

  function labels() {
    /* read when used: labels.js comes after this script */
    return window.supportkbLabels || {};
  }

  function isoDay(date) {
    var month = String(date.getMonth() + 1).padStart(2, "0");
    var day = String(date.getDate()).padStart(2, "0");
    return date.getFullYear() + "-" + month + "-" + day;
  }

  function dayNumber(iso) {
    var parts = iso.split("-").map(Number);
    return Date.UTC(parts[0], parts[1] - 1, parts[2]) / 86400000;
  }

  function addDays(iso, days) {
    var parts = iso.split("-").map(Number);
    return isoDay(new Date(parts[0], parts[1] - 1, parts[2] + days));
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  /* -- a document's banners -------------------------------------------------------------- */

  function banners(today) {
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

  /* -- due dates in tables ------------------------------------------------------------------ */

  function markDue(time, today) {
    var overdue = time.getAttribute("datetime") < today;
    time.classList.toggle("kb-due--overdue", overdue);
    var flag = time.querySelector(".kb-due__flag");
    if (overdue && !flag) time.appendChild(el("span", "kb-due__flag", OVERDUE_WORD));
    if (!overdue && flag) flag.remove();
    var row = time.closest("tr");
    if (row) row.classList.toggle("kb-row--overdue", !!row.querySelector(".kb-due--overdue"));
  }

  function dueDates(today) {
    document.querySelectorAll("time[data-kb-due][datetime]").forEach(function (time) {
      markDue(time, today);
    });
  }

  /* -- the trust line's status badge ---------------------------------------------------------- */

  function statusBadges(today) {
    var overdue = labels().overdue || ["逾期未複審", "kb-badge--overdue"];
    document.querySelectorAll("[data-kb-status-due]").forEach(function (badge) {
      var late = badge.getAttribute("data-kb-status-due") < today;
      if (late && badge.classList.contains("kb-badge--ok")) {
        badge.setAttribute("data-kb-status-text", badge.textContent);
        badge.classList.remove("kb-badge--ok");
        badge.classList.add(overdue[1]);
        badge.setAttribute("data-kb-was", "kb-badge--ok");
        badge.textContent = overdue[0];
      } else if (!late && badge.getAttribute("data-kb-was")) {
        badge.classList.remove(overdue[1]);
        badge.classList.add(badge.getAttribute("data-kb-was"));
        badge.textContent = badge.getAttribute("data-kb-status-text");
        badge.removeAttribute("data-kb-was");
      }
    });
  }

  /* -- the review calendar ------------------------------------------------------------------ */

  function bucketFor(buckets, days) {
    for (var i = 0; i < buckets.length; i++) {
      var first = buckets[i].getAttribute("data-kb-first");
      var last = buckets[i].getAttribute("data-kb-last");
      if (first === "" ? days < 0 : days >= Number(first) && (last === "" || days <= Number(last))) {
        return buckets[i];
      }
    }
    return null;
  }

  function rowKey(row) {
    var time = row.querySelector("time[datetime]");
    return [row.getAttribute("data-kb-owner") || "", time ? time.getAttribute("datetime") : ""];
  }

  function compareRows(a, b) {
    var x = rowKey(a), y = rowKey(b);
    return x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0;
  }

  function calendar(today) {
    var buckets = Array.prototype.slice.call(document.querySelectorAll(".kb-bucket[data-kb-bucket]"));
    if (!buckets.length) return;
    var rows = [];
    buckets.forEach(function (bucket) {
      bucket.querySelectorAll("tbody tr").forEach(function (row) { rows.push(row); });
    });
    rows.forEach(function (row) {
      var time = row.querySelector("time[datetime]");
      if (!time) return;
      var target = bucketFor(buckets, dayNumber(time.getAttribute("datetime")) - dayNumber(today));
      if (target) target.querySelector("tbody").appendChild(row);
    });
    buckets.forEach(function (bucket) {
      var body = bucket.querySelector("tbody");
      var sorted = Array.prototype.slice.call(body.children).sort(compareRows);
      sorted.forEach(function (row) { body.appendChild(row); });
      var count = sorted.length;
      bucket.querySelector(".kb-bucket__count").textContent = "(" + count + ")";
      bucket.querySelector(".kb-table-wrap").hidden = count === 0;
      bucket.querySelector(".kb-bucket__empty").hidden = count > 0;
    });
    var asOf = document.querySelector(".kb-calendar__as-of");
    if (asOf) {
      asOf.textContent = "依今天 " + today + " 計算（網站建置於 " +
        asOf.getAttribute("data-kb-built") + "）。";
    }
  }

  /* -- the home page ------------------------------------------------------------------------ */

  function homeFigures(today) {
    var figures = document.querySelector(".kb-home-figures[data-kb-dues]");
    if (!figures) return;
    var dues;
    try {
      dues = JSON.parse(figures.getAttribute("data-kb-dues"));
    } catch (error) {
      return; /* the build day's figures stay */
    }
    var soon = addDays(today, Number(figures.getAttribute("data-kb-soon-days") || 30));
    var total = 0;
    figures.querySelectorAll("tr[data-kb-type]").forEach(function (row) {
      var byDate = dues[row.getAttribute("data-kb-type")] || {};
      var late = 0, coming = 0;
      Object.keys(byDate).forEach(function (due) {
        if (due < today) late += byDate[due];
        else if (due <= soon) coming += byDate[due];
      });
      total += late;
      row.querySelector('[data-kb-figure="overdue"]').textContent = String(late);
      row.querySelector('[data-kb-figure="soon"]').textContent = String(coming);
      row.classList.toggle("kb-row--overdue", late > 0);
    });
    figures.querySelector('p [data-kb-figure="overdue"]').textContent = String(total);
    figures.querySelector('[data-kb-figure="when"]').textContent = "（依今天 " + today + " 計算）";
  }

  /* asked only once search.js has found `kb serve` (the class kb-live-search on <body>): on
   * static hosting there is no API, and no request that would fail */
  function whenServed(then) {
    var body = document.body;
    if (body.classList.contains("kb-live-search")) return then();
    var watch = new MutationObserver(function () {
      if (!body.classList.contains("kb-live-search")) return;
      watch.disconnect();
      then();
    });
    watch.observe(body, { attributes: true, attributeFilter: ["class"] });
  }

  function mostOpened() {
    var box = document.getElementById("kb-most-opened");
    if (!box || box.getAttribute("data-kb-asked")) return;
    box.setAttribute("data-kb-asked", "1");
    whenServed(function () { askPopular(box); });
  }

  function askPopular(box) {
    fetch("/api/popular?limit=5", { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        var documents = data && Array.isArray(data.documents) ? data.documents : [];
        if (!documents.length) return;
        var types = labels().types || {};
        var list = box.querySelector("ol") || box.appendChild(el("ol"));
        list.textContent = "";
        documents.forEach(function (doc) {
          var item = el("li", "kb-most-opened__item");
          var link = el("a", "kb-most-opened__link", String(doc.title));
          link.href = SITE.pageUrl(SITE.pagePath(String(doc.path)));
          item.appendChild(el("code", "kb-most-opened__id", String(doc.id)));
          item.appendChild(document.createTextNode(" "));
          item.appendChild(link);
          var type = types[doc.type] || doc.type;
          item.appendChild(el("span", "kb-most-opened__meta",
            " · " + type + " · 開啟 " + Number(doc.opened || 0) + " 次"));
          list.appendChild(item);
        });
        box.hidden = false;
      })
      .catch(function () { /* static hosting: the list stays hidden */ });
  }

  function homeSearch() {
    var form = document.querySelector("form[data-kb-home-search]");
    if (!form || form.getAttribute("data-kb-ready")) return;
    form.setAttribute("data-kb-ready", "1");
    form.addEventListener("submit", function (event) {
      if (document.body.classList.contains("kb-live-search")) return; /* kb serve: results page */
      var toggle = document.getElementById("__search");
      var input = document.querySelector(".md-search__input");
      if (!toggle || !input) return; /* no theme search: the results page says what to do */
      event.preventDefault();
      toggle.checked = true;
      toggle.dispatchEvent(new Event("change"));
      input.value = form.querySelector("input[name]").value;
      input.focus();
      input.dispatchEvent(new Event("input", { bubbles: true }));
      input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    });
  }

  function refresh() {
    var today = isoDay(new Date());
    banners(today);
    dueDates(today);
    statusBadges(today);
    calendar(today);
    homeFigures(today);
    mostOpened();
    homeSearch();
  }

  SITE.onEveryPage(refresh); /* after every script of the page (labels.js among them) */
})();
