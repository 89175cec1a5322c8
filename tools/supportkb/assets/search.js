/* supportkb: the header search box asks `kb serve`'s search API as the agent types.
 *
 * When /api/health answers, the box is ours: results (title, id, type, status badge, owner,
 * snippet), filters by type, category and status, arrow keys and Enter, and Enter on the
 * query opens the full results page (search-results/) with facets and paging. When it does not
 * answer (the same site on static hosting), nothing changes: Material's own search works.
 * Text from the API is set with textContent; the snippet is HTML the API escapes itself
 * (the document's text, escaped, with <mark> around matches).
 * The labels of types and statuses come from the site: labels.js, which the plugin writes
 * from supportkb.documents.vocabulary (window.supportkbLabels).
 */
(function () {
  "use strict";

  var API = "/api/";
  /* without labels.js (a page cached from an older build): the values themselves */
  var LABELS = window.supportkbLabels || { types: {}, statuses: {}, overdue: null };
  var live = false;
  var filters = { type: [], category: [], status: [] };
  var pending = null;
  var timer = null;
  var lastQuery = "";
  var recordTimer = null;

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function root() {
    var base = document.querySelector("script#__config");
    try {
      return new URL(JSON.parse(base.textContent).base, location.href);
    } catch (error) {
      return new URL("/", location.href);
    }
  }

  function pageUrl(path) {
    return new URL(path, root()).href;
  }

  /* the page of a document, from its repository path (as `kb index` computes its URL) */
  function pagePath(path) {
    var page = path.replace(/^docs\//, "").replace(/\.md$/, "");
    return /(^|\/)(index|README)$/.test(page) ? page.replace(/(index|README)$/, "") : page + "/";
  }

  function query(params) {
    if (pending) pending.abort();
    pending = new AbortController();
    var search = new URLSearchParams();
    Object.keys(params).forEach(function (key) {
      [].concat(params[key]).forEach(function (value) {
        if (value !== undefined && value !== "") search.append(key, value);
      });
    });
    return fetch(API + "search?" + search.toString(), { signal: pending.signal }).then(
      function (response) {
        if (!response.ok) throw new Error("search failed: " + response.status);
        return response.json();
      }
    );
  }

  function badge(result) {
    var status = LABELS.statuses[result.status] || [result.status, ""];
    if (result.stale) status = LABELS.overdue || ["overdue", "kb-badge--overdue"];
    return el("span", "kb-badge " + status[1], status[0]);
  }

  function resultItem(result, text) {
    var item = el("li", "kb-result");
    var link = el("a", "kb-result__link");
    link.href = pageUrl(pagePath(result.path));
    link.addEventListener("click", function () {
      opened(text, result.id);
    });
    var head = el("div", "kb-result__head");
    head.appendChild(el("span", "kb-result__title", result.title));
    head.appendChild(el("span", "kb-result__id", result.id));
    head.appendChild(el("span", "kb-result__type", LABELS.types[result.type] || result.type));
    head.appendChild(badge(result));
    link.appendChild(head);
    var snippet = el("div", "kb-result__snippet");
    snippet.innerHTML = result.snippet; /* escaped by the API, only <mark> added */
    link.appendChild(snippet);
    link.appendChild(el("div", "kb-result__owner", "負責人 " + result.owner));
    item.appendChild(link);
    return item;
  }

  function opened(text, id) {
    var body = JSON.stringify({ query: text, id: id });
    if (navigator.sendBeacon) {
      navigator.sendBeacon(API + "opened", new Blob([body], { type: "application/json" }));
    }
  }

  function facetLabel(facet, value) {
    if (facet === "type") return LABELS.types[value] || value;
    if (facet === "status") return (LABELS.statuses[value] || [value])[0];
    return value;
  }

  function facetBar(data, rerun) {
    var bar = el("div", "kb-facets");
    [["type", "類型"], ["category", "分類"], ["status", "狀態"]].forEach(function (pair) {
      var counts = (data.facets || {})[pair[0]] || {};
      Object.keys(counts).sort().forEach(function (value) {
        var chosen = filters[pair[0]].indexOf(value) >= 0;
        var chip = el("button", "kb-chip" + (chosen ? " kb-chip--on" : ""));
        chip.type = "button";
        chip.setAttribute("data-kb-facet", pair[0] + ":" + value);
        chip.textContent = pair[1] + "：" + facetLabel(pair[0], value) + " (" + counts[value] + ")";
        chip.addEventListener("click", function (event) {
          event.preventDefault();
          var list = filters[pair[0]];
          if (chosen) list.splice(list.indexOf(value), 1);
          else list.push(value);
          rerun();
        });
        bar.appendChild(chip);
      });
    });
    return bar;
  }

  /* -- the header box ---------------------------------------------------------------------- */

  function panel() {
    var existing = document.querySelector(".kb-live");
    if (existing) return existing;
    var box = el("div", "kb-live");
    box.setAttribute("data-kb-component", "live-search");
    var wrap = document.querySelector(".md-search__scrollwrap");
    if (wrap) wrap.insertBefore(box, wrap.firstChild);
    return box;
  }

  function showBox(data, text) {
    var box = panel();
    box.textContent = "";
    var meta = el("div", "kb-live__meta");
    meta.textContent = data.total ? data.total + " 份文件" : "找不到符合的文件";
    box.appendChild(meta);
    if (data.suggestion) {
      var hint = el("a", "kb-live__suggestion", "您是不是要找：" + data.suggestion);
      hint.href = "#";
      hint.addEventListener("click", function (event) {
        event.preventDefault();
        var input = document.querySelector(".md-search__input");
        input.value = data.suggestion;
        run(input.value);
      });
      box.appendChild(hint);
    }
    box.appendChild(facetBar(data, function () { run(text); }));
    var list = el("ol", "kb-live__list");
    data.results.forEach(function (result) { list.appendChild(resultItem(result, text)); });
    box.appendChild(list);
    if (data.total > data.results.length) {
      var more = el("a", "kb-live__more", "查看全部 " + data.total + " 份結果");
      more.href = resultsPage(text);
      box.appendChild(more);
    }
  }

  /* The results page keeps its query in `?query=`, not `?q=`: Material opens its search
   * overlay over any page whose address has `?q=` (its shared-search links), which covered the
   * results, swallowed the first click and dropped the query from the address. */
  var PAGE_QUERY = "query";

  function resultsPage(text) {
    return pageUrl("search-results/") + "?" + PAGE_QUERY + "=" + encodeURIComponent(text);
  }

  function run(text) {
    lastQuery = text;
    if (!text.trim()) {
      panel().textContent = "";
      return;
    }
    var params = { q: text, limit: 8, type: filters.type, category: filters.category,
                   status: filters.status };
    query(Object.assign({ record: "false" }, params))
      .then(function (data) { if (text === lastQuery) showBox(data, text); })
      .catch(function (error) { if (error.name !== "AbortError") fallBack(); });
    /* count the search once the agent has stopped typing, not every keystroke */
    clearTimeout(recordTimer);
    recordTimer = setTimeout(function () {
      if (text !== lastQuery) return;
      var search = new URLSearchParams({ q: text, limit: "1" });
      fetch(API + "search?" + search.toString(), { keepalive: true }).catch(function () {});
    }, 1500);
  }

  function links() {
    return Array.prototype.slice.call(document.querySelectorAll(".kb-live .kb-result__link"));
  }

  function onKey(event) {
    var input = event.target;
    if (!live || !input.classList || !input.classList.contains("md-search__input")) return;
    if (event.type === "keydown") {
      if (event.key === "Enter") {
        event.preventDefault();
        event.stopImmediatePropagation();
        if (input.value.trim()) location.href = resultsPage(input.value);
      } else if (event.key === "ArrowDown") {
        event.preventDefault();
        event.stopImmediatePropagation();
        if (links()[0]) links()[0].focus();
      }
      return;
    }
    event.stopImmediatePropagation(); /* Material's own search does not see the query */
    clearTimeout(timer);
    timer = setTimeout(function () { run(input.value); }, 150);
  }

  function onResultKey(event) {
    if (!live || !event.target.classList || !event.target.classList.contains("kb-result__link")) return;
    var all = links();
    var index = all.indexOf(event.target);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      event.stopImmediatePropagation();
      var next = index + (event.key === "ArrowDown" ? 1 : -1);
      if (next < 0) document.querySelector(".md-search__input").focus();
      else if (all[next]) all[next].focus();
    }
  }

  function fallBack() {
    live = false;
    document.body.classList.remove("kb-live-search");
    var box = document.querySelector(".kb-live");
    if (box) box.remove();
  }

  /* -- the full results page --------------------------------------------------------------- */

  function resultsPageView(container) {
    var params = new URLSearchParams(location.search);
    var text = params.get(PAGE_QUERY) || "";
    var page = Math.max(1, Number(params.get("page")) || 1);
    ["type", "category", "status"].forEach(function (name) { filters[name] = params.getAll(name); });
    container.textContent = "";
    var form = el("form", "kb-page__form");
    var input = el("input", "kb-page__input");
    input.name = PAGE_QUERY;
    input.value = text;
    input.setAttribute("aria-label", "搜尋");
    form.appendChild(input);
    form.appendChild(el("button", "md-button md-button--primary", "搜尋"));
    container.appendChild(form);
    if (!text.trim()) return;
    function rerun() {
      var next = new URLSearchParams();
      next.set(PAGE_QUERY, text);
      ["type", "category", "status"].forEach(function (name) {
        filters[name].forEach(function (value) { next.append(name, value); });
      });
      location.search = next.toString();
    }
    query({ q: text, page: page, limit: 20, type: filters.type, category: filters.category,
            status: filters.status })
      .then(function (data) {
        var meta = el("p", "kb-page__meta", data.total + " 份文件（" + data.took_ms + " ms）");
        container.appendChild(meta);
        if (data.suggestion) {
          var hint = el("a", "kb-live__suggestion", "您是不是要找：" + data.suggestion);
          hint.href = "?" + PAGE_QUERY + "=" + encodeURIComponent(data.suggestion);
          container.appendChild(hint);
        }
        container.appendChild(facetBar(data, rerun));
        var list = el("ol", "kb-live__list");
        data.results.forEach(function (result) { list.appendChild(resultItem(result, text)); });
        container.appendChild(list);
        var pages = Math.ceil(data.total / data.limit);
        if (pages > 1) {
          var nav = el("nav", "kb-page__paging");
          for (var n = 1; n <= Math.min(pages, 100); n++) {
            var link = el("a", n === page ? "kb-page__current" : "", String(n));
            var target = new URLSearchParams(location.search);
            target.set("page", String(n));
            link.href = "?" + target.toString();
            nav.appendChild(link);
          }
          container.appendChild(nav);
        }
      })
      .catch(function () {
        container.appendChild(el("p", "kb-page__meta",
          "搜尋服務目前無法使用，請改用頁首的搜尋框。Search service unavailable: use the search box."));
      });
  }

  function start() {
    fetch(API + "health", { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (health) {
        var container = document.getElementById("kb-search-page");
        if (!health || health.status !== "ok") {
          if (container) container.textContent =
            "全文搜尋服務未啟用，請使用頁首的搜尋框。Live search is not available here: use the search box.";
          return;
        }
        live = true;
        document.body.classList.add("kb-live-search");
        if (container) resultsPageView(container);
      })
      .catch(function () { /* static hosting: Material's search stays */ });
  }

  document.addEventListener("keyup", onKey, true);
  document.addEventListener("input", onKey, true);
  document.addEventListener("keydown", onKey, true);
  document.addEventListener("keydown", onResultKey, true);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
