/* supportkb: the header search box asks `kb serve`'s search API as the agent types.
 *
 * When /api/health answers, the box is ours: results (title, id, type, status badge, owner,
 * snippet), filters by type, category and status, arrow keys and Enter, and Enter on the
 * query opens the full results page (search-results/) with facets and paging. A query that
 * finds nothing says which words found nothing, offers "did you mean" and the closest titles,
 * and a button that asks for the missing article (POST /api/feedback, kind "missing").
 * A query typed before /api/health answers is run as soon as it does: no keystroke is lost.
 *
 * When the API does not answer (the same site on static hosting), Material's own search
 * works, and its queries are converted on their way to its search worker (Material 9 has no
 * query-transform hook: Worker.prototype.postMessage is wrapped): Simplified characters and
 * mainland wording become the site's Traditional words (打印机 卡纸 -> 印表機 卡紙), with the
 * table the plugin writes at build time from OpenCC (chinese-table.json, supportkb.site.
 * chinese_table), and ids become the form the pages' search keys carry (KB-0014 -> KB0014).
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
  var lastQuery = "";
  var recordTimer = null;
  var PAGE_SIZE = 8; /* results in the dropdown */

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  var SITE = window.supportkbSite; /* site.js: the root, a document's page */
  var pageUrl = SITE.pageUrl;
  var pagePath = SITE.pagePath;

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
    if (facet === "category") return (LABELS.categories || {})[value] || value;
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

  /* "did you mean": in the box it runs the suggestion, on the results page it opens it */
  function suggestionLink(suggestion, href, onClick) {
    var hint = el("a", "kb-live__suggestion", "您是不是要找：");
    hint.appendChild(el("strong", "", suggestion));
    hint.href = href;
    if (onClick) hint.addEventListener("click", onClick);
    return hint;
  }

  function boxSuggestion(suggestion) {
    return suggestionLink(suggestion, "#", function (event) {
      event.preventDefault();
      var input = document.querySelector(".md-search__input");
      input.value = suggestion;
      run(input.value);
    });
  }

  /* A query that found nothing: not a dead end. The words that found nothing, "did you mean",
   * the closest titles (all from the API, which answers for the site's audience only) and a
   * way to ask the owners for the missing article. */
  function nothingFound(data, text, suggestion, clearFilters) {
    var view = el("div", "kb-none");
    view.setAttribute("data-kb-component", "zero-results");
    view.appendChild(el("p", "kb-none__title", "找不到符合「" + text + "」的文件"));
    var filtered = activeFilters();
    if (filtered) view.appendChild(filterNote(filtered, clearFilters));
    var unmatched = data.unmatched_words || [];
    if (unmatched.length) {
      var words = el("p", "kb-none__words", filtered ? "在這些篩選下，沒有文件含有：" : "沒有文件含有：");
      unmatched.forEach(function (word, index) {
        if (index) words.appendChild(document.createTextNode("、"));
        words.appendChild(el("span", "kb-none__word", word));
      });
      view.appendChild(words);
    }
    if (suggestion) view.appendChild(suggestion);
    var closest = data.closest || [];
    if (closest.length) {
      view.appendChild(el("p", "kb-none__heading", "最接近的標題"));
      var list = el("ol", "kb-live__list kb-none__closest");
      closest.forEach(function (result) { list.appendChild(resultItem(result, text)); });
      view.appendChild(list);
    }
    view.appendChild(requestArticle(text));
    return view;
  }

  /* the filters the query ran with, in words ("類型：SOP、分類：Wi-Fi"), or "" */
  function activeFilters() {
    var parts = [];
    [["type", "類型"], ["category", "分類"], ["status", "狀態"]].forEach(function (pair) {
      filters[pair[0]].forEach(function (value) {
        parts.push(pair[1] + "：" + facetLabel(pair[0], value));
      });
    });
    return parts.join("、");
  }

  /* with filters on, nothing found may be the filters': say so, and offer to search without */
  function filterNote(filtered, clearFilters) {
    var note = el("p", "kb-none__filters", "已套用篩選：" + filtered + "　");
    var clear = el("a", "kb-none__clear", "清除篩選再搜尋");
    clear.href = "#";
    clear.addEventListener("click", function (event) {
      event.preventDefault();
      clearFilters();
    });
    note.appendChild(clear);
    return note;
  }

  function withoutFilters() {
    filters = { type: [], category: [], status: [] };
  }

  /* "請求新增文章": the query goes to the owners' report (kb report) as a missing article */
  function requestArticle(text) {
    var wrap = el("div", "kb-none__request");
    var button = el("button", "md-button kb-none__button", "請求新增文章");
    button.type = "button";
    var status = el("p", "kb-none__status");
    status.setAttribute("role", "status");
    button.addEventListener("click", function () {
      button.disabled = true;
      fetch(API + "feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ id: null, kind: "missing", query: text })
      }).then(function (response) {
        if (response.ok) {
          status.textContent = "謝謝！已請負責人補上這篇文章。";
          button.hidden = true;
        } else {
          status.textContent = response.status === 429
            ? "送出太頻繁，請稍後再試。" : "無法送出，請稍後再試。";
          button.disabled = false;
        }
      }).catch(function () {
        status.textContent = "無法送出，請稍後再試。";
        button.disabled = false;
      });
    });
    wrap.appendChild(button);
    wrap.appendChild(status);
    return wrap;
  }

  function showBox(data, text) {
    var box = panel();
    box.textContent = "";
    box.setAttribute("data-kb-query", text); /* what the results shown are for */
    if (!data.total) {
      box.appendChild(nothingFound(data, text, data.suggestion && boxSuggestion(data.suggestion),
        function () { withoutFilters(); run(text); }));
      return;
    }
    box.appendChild(el("div", "kb-live__meta", data.total + " 份文件"));
    if (data.suggestion) box.appendChild(boxSuggestion(data.suggestion));
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

  /* An older link to the results page (`?q=`, before PAGE_QUERY) opens as `?query=`, before
   * Material's overlay covers it. */
  function redirectOldResultsLink() {
    if (!document.getElementById("kb-search-page")) return false;
    var params = new URLSearchParams(location.search);
    if (!params.has("q") || params.has(PAGE_QUERY)) return false;
    params.set(PAGE_QUERY, params.get("q"));
    params.delete("q");
    location.replace(location.pathname + "?" + params.toString() + location.hash);
    return true;
  }

  function resultsPage(text) {
    return pageUrl("search-results/") + "?" + PAGE_QUERY + "=" + encodeURIComponent(text);
  }

  /* As the agent types, a query goes out at once when none is on its way; while one is, only
   * the newest text waits and goes out when the answer comes. (A fixed wait after each key made
   * every answer at least that late: see bench/browser_search.py.) */
  var inFlight = false;
  var waiting = null;

  function ask(text) {
    if (inFlight) waiting = text;
    else if (text !== lastQuery) run(text);
  }

  function answered() {
    inFlight = false;
    var next = waiting;
    waiting = null;
    if (next !== null && next !== lastQuery) run(next);
  }

  function run(text) {
    lastQuery = text;
    if (!text.trim()) {
      panel().textContent = "";
      return;
    }
    var params = { q: text, limit: PAGE_SIZE, type: filters.type, category: filters.category,
                   status: filters.status };
    inFlight = true;
    query(Object.assign({ record: "false" }, params))
      .then(function (data) { if (text === lastQuery) showBox(data, text); })
      .catch(function (error) { if (error.name !== "AbortError") fallBack(); })
      .then(answered);
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
    if (!input.classList || !input.classList.contains("md-search__input")) return;
    if (!live) {
      if (event.type === "input") tellMaterial(input);
      return;
    }
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
    ask(input.value);
  }

  /* Material's search reads the box on keyup only: text that arrives without one (an input
   * method's commit, a paste with the mouse, autofill) was never searched. Each change gets
   * the keyup Material waits for (a repeated value is ignored by Material itself). */
  function tellMaterial(input) {
    setTimeout(function () {
      input.dispatchEvent(new KeyboardEvent("keyup", { bubbles: true }));
    }, 0);
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
        container.setAttribute("data-kb-query", text);
        var hint = data.suggestion && suggestionLink(
          data.suggestion, "?" + PAGE_QUERY + "=" + encodeURIComponent(data.suggestion));
        if (!data.total) {
          container.appendChild(nothingFound(data, text, hint, function () {
            location.search = "?" + PAGE_QUERY + "=" + encodeURIComponent(text);
          }));
          return;
        }
        var meta = el("p", "kb-page__meta", data.total + " 份文件（" + data.took_ms + " ms）");
        container.appendChild(meta);
        if (hint) container.appendChild(hint);
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
          "搜尋服務目前無法使用，請改用頁首的搜尋框。"));
      });
  }

  /* -- the static search: Material's, its queries converted ----------------------------- */

  var QUERY_MESSAGE = 2; /* Material's SearchMessageType.QUERY: { type: 2, data: "..." } */
  var TABLE = "assets/supportkb/chinese-table.json";
  var table = null; /* null: not asked for; "loading"; then the table, or {} if it failed */
  var held = null; /* the latest query sent while the table loads: sent once it is there */

  function toTraditional(text) {
    var phrases = table.phrases || {}, chars = table.chars || {};
    var out = "";
    for (var i = 0; i < text.length;) {
      var n = Math.min(table.longest || 1, text.length - i);
      for (; n > 1 && !Object.prototype.hasOwnProperty.call(phrases, text.substr(i, n)); n--);
      if (n > 1) out += phrases[text.substr(i, n)];
      else out += Object.prototype.hasOwnProperty.call(chars, text[i]) ? chars[text[i]] : text[i];
      i += Math.max(n, 1);
    }
    return out;
  }

  /* KB-0014, kb-0014, kb0014 -> KB0014: the id as the pages' search keys carry it whole
   * (lunr reads "-0014" as "without 0014") */
  function wholeIds(text) {
    if (!table.ids || !table.ids.length) return text;
    var id = new RegExp("(^|[^A-Za-z0-9])(" + table.ids.join("|") + ")-?([0-9]{1,6})(?![A-Za-z0-9])", "gi");
    return text.replace(id, function (all, before, prefix, number) {
      return before + prefix.toUpperCase() + number;
    });
  }

  function staticQuery(text) {
    return toTraditional(wholeIds(text));
  }

  function loadTable(send) {
    if (table !== null) return;
    table = "loading";
    fetch(pageUrl(TABLE))
      .then(function (response) { return response.ok ? response.json() : {}; })
      .catch(function () { return {}; })
      .then(function (loaded) {
        table = loaded || {};
        table.longest = Object.keys(table.phrases || {}).reduce(function (n, key) {
          return Math.max(n, key.length);
        }, 1);
        if (held) send(held.worker, held.data);
        held = null;
      });
  }

  function convertStaticQueries() {
    if (!window.Worker || !Worker.prototype.postMessage) return;
    var post = Worker.prototype.postMessage;
    function send(worker, data) {
      post.call(worker, { type: QUERY_MESSAGE, data: staticQuery(data) });
    }
    Worker.prototype.postMessage = function (message) {
      var isQuery = message && message.type === QUERY_MESSAGE && typeof message.data === "string";
      if (!isQuery) return post.apply(this, arguments);
      if (table !== null && table !== "loading") return send(this, message.data);
      held = { worker: this, data: message.data }; /* the latest query wins */
      loadTable(send);
    };
  }

  /* Is `kb serve` answering? Asked once per page, beside the site (the build writes a static
   * api/health saying "static", which kb serve's own route shadows: no failed request, no
   * console error on static hosting); the other scripts wait on window.supportkbLive. */
  function askService() {
    var health = fetch(pageUrl("api/health"), { cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .catch(function () { return null; });
    window.supportkbLive = health.then(function (answer) {
      return !!(answer && answer.status === "ok");
    });
    return health;
  }

  function start() {
    askService()
      .then(function (health) {
        var container = document.getElementById("kb-search-page");
        if (!health || health.status !== "ok") {
          if (container) container.textContent = "全文搜尋服務未啟用，請使用頁首的搜尋框。";
          return;
        }
        live = true;
        document.body.classList.add("kb-live-search");
        if (container) resultsPageView(container);
        /* what was typed while /api/health was on its way (Material had it): ours now */
        var input = document.querySelector(".md-search__input");
        if (input && input.value.trim()) run(input.value);
      })
      .catch(function () { /* static hosting: Material's search stays */ });
  }

  convertStaticQueries();
  document.addEventListener("keyup", onKey, true);
  document.addEventListener("input", onKey, true);
  document.addEventListener("keydown", onKey, true);
  document.addEventListener("keydown", onResultKey, true);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () {
      if (!redirectOldResultsLink()) start();
    });
  } else if (!redirectOldResultsLink()) {
    start();
  }
})();
