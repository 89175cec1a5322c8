/* supportkb: the feedback block at the end of a document (site/templates/feedback.html).
 *
 * Under `kb serve` (when search.js has found /api/health answering: window.supportkbLive),
 * 是/否 and the report are posted to
 * /api/feedback, which records them without anything that identifies the reader. On static
 * hosting the report opens the block's channel (an e-mail to the owner, or a new issue in the
 * repository) with the comment filled in; 是 only thanks. With neither, the block stays
 * hidden. Text is set with textContent only.
 */
(function () {
  "use strict";

  var API = "/api/";
  var TEXT = {
    thanks: "謝謝您的回饋。",
    tellUs: "謝謝。可在下方說明哪裡需要改進：",
    reported: "謝謝，已轉給文件負責人。",
    tellUsMail: "請在下方說明哪裡需要改進，再寄給負責人：",
    mailOpened: "已開啟新郵件（或 issue），寄出後負責人就會收到。",
    tooMany: "回饋太頻繁，請稍後再試。",
    failed: "目前無法記錄回饋，請稍後再試。",
    failedMail: "目前無法記錄回饋，可改用下方連結寄給負責人。"
  };

  function say(block, text) {
    block.querySelector(".kb-feedback__status").textContent = text;
  }

  function encode(text) {
    return encodeURIComponent(text);
  }

  /* the channel's URL with the subject, and the comment and the page's address in the text */
  function channelLink(block) {
    var data = block.dataset;
    var comment = block.querySelector(".kb-feedback__comment").value.trim();
    var page = location.href.split("#")[0];
    var body = data.kbBody + (comment || "") + "\n\n頁面：" + page + "\n";
    return data.kbChannel + "?" + data.kbChannelSubject + "=" + encode(data.kbSubject) +
      "&" + data.kbChannelBody + "=" + encode(body);
  }

  function post(block, kind, comment) {
    var body = { id: block.dataset.kbId, kind: kind };
    if (comment) body.comment = comment.slice(0, 1000);
    return fetch(API + "feedback", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (response) { return response.status; }, function () { return 0; });
  }

  /* once per page: the buttons stay focusable (a keyboard user keeps their place) */
  function answered(block) {
    if (block.dataset.kbAnswered) return true;
    block.dataset.kbAnswered = "yes";
    block.querySelectorAll(".kb-feedback__choices button").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
    return false;
  }

  function openReport(block) {
    var report = block.querySelector(".kb-feedback__report");
    report.open = true;
    block.querySelector(".kb-feedback__comment").focus();
  }

  /* a failure: 429 says wait; anything else offers the channel when there is one */
  function failed(block, status) {
    if (status === 429) return say(block, TEXT.tooMany);
    var mail = block.querySelector(".kb-feedback__mail");
    if (!mail) return say(block, TEXT.failed);
    mail.hidden = false;
    mail.href = channelLink(block);
    block.querySelector(".kb-feedback__send").hidden = true;
    block.querySelector(".kb-feedback__report").open = true;
    say(block, TEXT.failedMail);
  }

  function served(block) {
    block.querySelectorAll(".kb-feedback__choices button").forEach(function (button) {
      button.addEventListener("click", function () {
        var kind = button.dataset.kbKind;
        if (answered(block)) return;
        button.setAttribute("aria-pressed", "true");
        post(block, kind).then(function (status) {
          if (status !== 204) return failed(block, status);
          if (kind === "helpful") return say(block, TEXT.thanks);
          say(block, TEXT.tellUs);
          openReport(block);
        });
      });
    });
    var send = block.querySelector(".kb-feedback__send");
    send.addEventListener("click", function () {
      var comment = block.querySelector(".kb-feedback__comment");
      send.disabled = true;
      post(block, "wrong", comment.value.trim()).then(function (status) {
        if (status !== 204) {
          send.disabled = false;
          return failed(block, status);
        }
        comment.readOnly = true;
        say(block, TEXT.reported);
      });
    });
  }

  function statically(block) {
    var mail = block.querySelector(".kb-feedback__mail");
    block.querySelector(".kb-feedback__send").hidden = true;
    mail.hidden = false;
    mail.href = channelLink(block);
    block.querySelector(".kb-feedback__comment").addEventListener("input", function () {
      mail.href = channelLink(block);
    });
    mail.addEventListener("click", function () {
      mail.href = channelLink(block);
      say(block, TEXT.mailOpened);
    });
    block.querySelectorAll(".kb-feedback__choices button").forEach(function (button) {
      button.addEventListener("click", function () {
        if (answered(block)) return;
        button.setAttribute("aria-pressed", "true");
        if (button.dataset.kbKind === "helpful") return say(block, TEXT.thanks);
        say(block, TEXT.tellUsMail);
        openReport(block);
      });
    });
  }

  function start() {
    var blocks = document.querySelectorAll("[data-kb-feedback]");
    if (!blocks.length) return;
    /* search.js asks whether `kb serve` answers, once per page */
    (window.supportkbLive || Promise.resolve(false))
      .then(function (live) {
        blocks.forEach(function (block) {
          if (live) served(block);
          else if (block.dataset.kbChannel) statically(block);
          else return;  /* nowhere to send it: the block stays hidden */
          block.hidden = false;
        });
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
