// The compose box on the patient page: a live segment count of the text the patient will get
// (the conversation's opening line included), a warning from the third segment on, and the
// quick-reply picker that fills the box. The counting mirrors content/segments.py: one
// character outside the GSM-7 tables makes the whole text UCS-2 (70 a segment, not 160).
(function () {
  "use strict";
  var box = document.getElementById("compose-body");
  if (!box) { return; }
  var BASIC = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
  var EXTENSION = "\f^{}\\[~]|€"; // sent as ESC + character: 2 septets, never split
  var counter = document.getElementById("compose-count");
  var long = document.getElementById("compose-long");
  var picker = document.getElementById("compose-template");
  var form = document.getElementById("compose-form");
  var opening = box.getAttribute("data-opening") || "";
  var filled = "";

  function inTables(ch) { return BASIC.indexOf(ch) >= 0 || EXTENSION.indexOf(ch) >= 0; }

  // Code points, as Python's str holds them: an emoji is one piece of 2 UTF-16 units.
  function analyse(text) {
    var chars = Array.from(text);
    var gsm = chars.every(inTables);
    var costs = chars.map(function (ch) {
      if (gsm) { return EXTENSION.indexOf(ch) >= 0 ? 2 : 1; }
      return ch.codePointAt(0) > 0xffff ? 2 : 1;
    });
    var units = costs.reduce(function (a, b) { return a + b; }, 0);
    var segments = 0;
    if (units > 0) { segments = units <= (gsm ? 160 : 70) ? 1 : pack(costs, gsm ? 153 : 67); }
    var odd = chars.filter(function (ch, i) { return !inTables(ch) && chars.indexOf(ch) === i; });
    return { encoding: gsm ? "GSM-7" : "UCS-2", characters: chars.length, segments: segments, odd: odd };
  }

  // Greedy packing: a piece that does not fit moves whole to the next segment.
  function pack(costs, limit) {
    var segments = 1, used = 0;
    costs.forEach(function (cost) {
      if (used + cost > limit) { segments += 1; used = 0; }
      used += cost;
    });
    return segments;
  }

  // The browser test holds this count to content/segments.py's on the awkward cases.
  window.composeSegments = analyse;

  function sent() {
    var body = box.value.trim();
    return opening && body ? opening + "\n\n" + body : body;
  }

  function set(name, text) { counter.querySelector('[data-field="' + name + '"]').textContent = text; }

  function update() {
    var result = analyse(sent());
    counter.hidden = false;
    set("segments", String(result.segments));
    set("encoding", result.encoding);
    set("characters", String(result.characters));
    set("non_gsm", result.odd.length ? " · UCS-2 because of: " + result.odd.join(" ") : "");
    long.hidden = result.segments < 3;
    long.textContent = result.segments < 3 ? "" : "This text takes " + result.segments +
      " segments: each one is billed, and some phones show it in pieces. Shorten it if you can.";
  }

  if (picker) {
    picker.addEventListener("change", function () {
      var option = picker.options[picker.selectedIndex];
      var text = option.getAttribute("data-body");
      if (text === null) { return; }
      var written = box.value.trim() !== "" && box.value !== filled;
      if (written && !window.confirm("Replace what you wrote with this quick reply?")) {
        picker.value = "";
        return;
      }
      box.value = filled = text;
      update();
      box.focus();
    });
  }
  // One click, one text: a second click would only be refused as a second answer.
  var send = document.getElementById("compose-send");
  form.addEventListener("submit", function () { send.disabled = true; });
  window.addEventListener("pageshow", function () { send.disabled = false; }); // back button
  box.addEventListener("input", update);
  update();
})();
