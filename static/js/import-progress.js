// Follows a running import: polls its progress and updates the page. When the import ends,
// done or failed, the page is loaded again, so the server renders the outcome: a failure
// shows its error and never a full bar.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || box.dataset.finished === "true") { return; }
  var url = box.dataset.progressUrl;
  var number = new Intl.NumberFormat();
  function show(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el) { el.textContent = typeof value === "number" ? number.format(value) : value; }
    return el;
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (p) {
        if (p.finished) { window.location.reload(); return; }
        box.querySelector('[data-field="percent"]').value = p.percent;
        show("percent-text", p.percent + "%");
        var status = show("status", p.phase === "storing" ? "Storing (nearly done)" :
          p.status.charAt(0).toUpperCase() + p.status.slice(1));
        if (status) { status.className = "status status-" + p.status; }
        box.dataset.status = p.status;
        show("read", p.read);
        window.setTimeout(poll, 1000);
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 500);
})();
