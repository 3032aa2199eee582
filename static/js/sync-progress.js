// Follows a network account's sync while it runs: polls its progress; reloads when it ends.
(function () {
  "use strict";
  var box = document.getElementById("sync-progress");
  if (!box || box.dataset.running !== "true") { return; }
  var url = box.dataset.progressUrl;
  var number = new Intl.NumberFormat();
  function show(name, value) {
    var el = box.querySelector('[data-field="' + name + '"]');
    if (el) { el.textContent = typeof value === "number" ? number.format(value) : value; }
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (p) {
        if (!p.running) { window.location.reload(); return; }
        ["label", "pages", "actions_stored", "duplicates", "posts_stored"].forEach(function (k) {
          show(k, p[k]);
        });
        window.setTimeout(poll, 1500);
      })
      .catch(function () { window.setTimeout(poll, 4000); });
  }
  window.setTimeout(poll, 700);
})();
