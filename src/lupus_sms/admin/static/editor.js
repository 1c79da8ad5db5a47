// Live counters for the content editor: each text is analysed by the server (the same
// segment counter the service sends with), a moment after typing stops.
(function () {
  "use strict";
  var form = document.getElementById("editor");
  if (!form) { return; }
  var csrf = form.getAttribute("data-csrf");
  var timer = null;

  function boxes() { return Array.prototype.slice.call(form.querySelectorAll("[data-analyze]")); }

  function show(box, result) {
    var scope = box.parentNode;
    function set(name, text) {
      var el = scope.querySelector('[data-field="' + name + '"]');
      if (el) { el.textContent = text; }
    }
    set("characters", String(result.characters));
    set("encoding", result.encoding);
    set("segments", String(result.segments));
    set("readability_measure", result.readability_measure);
    set("readability", result.readability === null ? "n/a (too short)" : String(result.readability));
    set("readability_band", result.readability_band ? "(" + result.readability_band + ")" : "");
    set("non_gsm", result.non_gsm.length ? "UCS-2 because of: " + result.non_gsm.join(", ") : "");
    // English: a grade above the limit; Spanish: a reading ease below the minimum.
    set("readability_warning", !result.too_hard ? "" : box.getAttribute("data-lang") === "es" ?
      "Harder than reading ease " + form.getAttribute("data-ease-minimum") :
      "Reading grade above " + form.getAttribute("data-grade-limit"));
    set("preview", result.preview);
    // The limit comes from the one table the validator uses (content/limits.py).
    var limit = box.getAttribute("data-limit");
    set("limit", limit ? " of " + limit + " allowed" : "");
    set("limit_warning", limit && result.segments > Number(limit) ?
      "Over the limit of " + limit + " segments: saving will be refused" : "");
    scope.querySelector("[data-counter]").setAttribute("data-segments", String(result.segments));
  }

  function analyse() {
    var list = boxes();
    fetch("/admin/api/analyze", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({
        texts: list.map(function (b) { return b.value; }),
        languages: list.map(function (b) { return b.getAttribute("data-lang") || "en"; })
      })
    }).then(function (response) { return response.json(); })
      .then(function (data) {
        (data.results || []).forEach(function (result, i) { if (list[i]) { show(list[i], result); } });
      });
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(analyse, 150);
  }

  form.addEventListener("input", schedule);
  var add = document.getElementById("add-part");
  var template = document.getElementById("part-template");
  if (add && template) {
    add.addEventListener("click", function () {
      document.getElementById("parts").appendChild(template.content.cloneNode(true));
      schedule();
    });
  }
  analyse();
})();
