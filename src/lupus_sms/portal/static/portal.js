// Keeps the inbox badge (every page) and the inbox current without a reload button: one
// small JSON poll every 20 seconds, so a new alert or patient text shows within 30 seconds.
(function () {
  "use strict";
  var POLL_MS = 20000;
  var badge = document.getElementById("open-alert-count");
  var inbox = document.getElementById("inbox-refresh");
  if (!badge && !inbox) { return; }

  function showCount(count) {
    if (!badge) { return; }
    badge.textContent = String(count);
    badge.setAttribute("aria-label", count + " waiting: open alerts and unanswered conversations");
    badge.classList.toggle("open", count > 0);
  }

  // A nurse typing a note, or choosing whom to assign, must not lose it to a reload: offer
  // the reload instead.
  function typingNote() {
    var areas = document.querySelectorAll("textarea, #open-alerts input[name=note]");
    for (var i = 0; i < areas.length; i++) {
      if (areas[i].value.trim() !== "") { return true; }
    }
    var focused = document.activeElement;
    return Boolean(focused && focused.tagName === "SELECT");
  }

  function refreshInbox(body) {
    if (!inbox) { return; }
    var newest = body.newest_open_id === null ? "" : String(body.newest_open_id);
    var newestText = body.newest_text_at ? String(body.newest_text_at) : "";
    var sameCount = inbox.dataset.moreOpen === "true" || String(body.open) === inbox.dataset.openCount;
    if (sameCount && newest === inbox.dataset.newestOpenId &&
        newestText === inbox.dataset.newestTextAt) { return; }
    if (typingNote()) {
      inbox.textContent = "The inbox changed. Reload the page to see it.";
      return;
    }
    var show = new URLSearchParams(window.location.search).get("show");
    window.location.replace(window.location.pathname + (show ? "?show=" + encodeURIComponent(show) : ""));
  }

  function poll() {
    fetch("/portal/alerts/open-count", {
      credentials: "same-origin",
      cache: "no-store",
      headers: { "X-Background-Poll": "1" }, // a poll is no sign of use: the idle timeout runs on
    })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (body) {
        if (body && typeof body.open === "number") {
          showCount(body.open);
          refreshInbox(body);
        }
      })
      .catch(function () { /* offline for a moment: the next poll tries again */ });
  }

  window.setInterval(poll, POLL_MS);
})();
