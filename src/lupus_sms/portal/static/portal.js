// Keeps the open-alert badge (every page) and the alerts inbox current without a reload
// button: one small JSON poll every 20 seconds, so a new alert shows within 30 seconds.
(function () {
  "use strict";
  var POLL_MS = 20000;
  var badge = document.getElementById("open-alert-count");
  var inbox = document.getElementById("inbox-refresh");
  if (!badge && !inbox) { return; }

  function showCount(count) {
    if (!badge) { return; }
    badge.textContent = String(count);
    badge.setAttribute("aria-label", count + " open alerts");
    badge.classList.toggle("open", count > 0);
  }

  // A nurse typing a note must not lose it to a reload: offer the reload instead.
  function typingNote() {
    var areas = document.querySelectorAll("textarea");
    for (var i = 0; i < areas.length; i++) {
      if (areas[i].value.trim() !== "") { return true; }
    }
    return false;
  }

  function refreshInbox(body) {
    if (!inbox) { return; }
    var newest = body.newest_open_id === null ? "" : String(body.newest_open_id);
    var sameCount = inbox.dataset.moreOpen === "true" || String(body.open) === inbox.dataset.openCount;
    if (sameCount && newest === inbox.dataset.newestOpenId) { return; }
    if (typingNote()) {
      inbox.textContent = "The open alerts changed. Reload the page to see them.";
      return;
    }
    window.location.replace(window.location.pathname);
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
