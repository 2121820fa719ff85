// Filters and card links of the report; plain JavaScript, no library, nothing from the network.
(function () {
  "use strict";
  var form = document.getElementById("filters");
  var area = document.getElementById("f-area");
  var text = document.getElementById("f-text");
  var disagree = document.getElementById("f-disagree");
  var count = document.getElementById("f-count");
  var rows = Array.prototype.slice.call(document.querySelectorAll("tr.row, details.card"));
  var cells = Array.prototype.slice.call(document.querySelectorAll("td.cell[data-statuses]"));

  function checkedStatuses() {
    var on = {};
    form.querySelectorAll("input[name=status]").forEach(function (box) { on[box.value] = box.checked; });
    return on;
  }

  function anyOn(statuses, on) {
    return statuses.split(" ").some(function (s) { return on[s]; });
  }

  function apply() {
    var on = checkedStatuses();
    var a = area.value;
    var t = text.value.trim().toLowerCase();
    var shown = 0;
    rows.forEach(function (el) {
      var ok = anyOn(el.dataset.statuses, on) && (!a || el.dataset.area === a) &&
               (!t || el.dataset.text.toLowerCase().indexOf(t) >= 0) &&
               (!disagree || !disagree.checked || el.tagName !== "TR" || el.classList.contains("disagree"));
      el.classList.toggle("hidden", !ok);
      if (ok) { shown += 1; }
    });
    cells.forEach(function (td) { td.classList.toggle("dim", !anyOn(td.dataset.statuses, on)); });
    document.querySelectorAll("section.area").forEach(function (sec) {
      sec.classList.toggle("hidden", !sec.querySelector("tr.row:not(.hidden)"));
    });
    count.textContent = shown + " of " + rows.length + " rows and cards shown";
  }

  // A link to a card (from a matrix cell, or a URL with #card-...) opens and shows it.
  function openTarget() {
    var id = decodeURIComponent(window.location.hash.slice(1));
    var card = id ? document.getElementById(id) : null;
    if (card && card.tagName === "DETAILS") {
      card.classList.remove("hidden");
      card.open = true;
      card.scrollIntoView();
    }
  }

  form.addEventListener("input", apply);
  form.addEventListener("change", apply);
  window.addEventListener("hashchange", openTarget);
  apply();
  openTarget();
})();
