// Live preview of a campaign's targeting in the brand admin: as the score range, topics,
// topic mode or networks change, ask the server how many members are eligible now.
(function () {
  "use strict";
  const box = document.getElementById("targeting-preview");
  if (!box) return;
  const form = box.closest("form");
  const count = document.getElementById("preview-count");
  const bands = document.querySelector("#preview-bands tbody");
  let timer = null;

  function value(name) {
    const field = form.querySelector(`[name="${name}"]`);
    return field ? field.value : (box.dataset[name] || "");
  }

  function query() {
    const params = new URLSearchParams();
    ["min_score", "max_score", "topic_mode", "networks"].forEach((name) => {
      const v = value(name);
      if (v) params.set(name, v);
    });
    const rows = form.querySelectorAll('select[name$="-topic"]');
    if (!rows.length && box.dataset.topics) {
      box.dataset.topics.split(",").forEach((t) => params.append("topic", t));
    }
    form.querySelectorAll("tr.form-row, tr.dynamic-topics").forEach((row) => {
      const topic = row.querySelector('select[name$="-topic"]');
      const minimum = row.querySelector('input[name$="-min_topic_score"]');
      const deleted = row.querySelector('input[name$="-DELETE"]');
      if (topic && topic.value && !(deleted && deleted.checked)) {
        params.append("topic", `${topic.value}:${minimum && minimum.value ? minimum.value : 1}`);
      }
    });
    return params;
  }

  async function refresh() {
    try {
      const response = await fetch(`${box.dataset.url}?${query()}`, { credentials: "same-origin" });
      const data = await response.json();
      if (!response.ok) {
        count.textContent = data.error || "—";
        return;
      }
      count.textContent = data.eligible.toLocaleString();
      const fairness = document.getElementById("preview-fairness");
      if (fairness && data.fairness) fairness.textContent = data.fairness.headline || "";
      bands.replaceChildren(...data.bands.map((b) => {
        const tr = document.createElement("tr");
        tr.innerHTML = "<td></td><td></td>";
        tr.children[0].textContent = b.band;
        tr.children[1].textContent = b.members.toLocaleString();
        return tr;
      }));
    } catch (error) {
      count.textContent = "preview unavailable";
    }
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  form.addEventListener("input", later);
  form.addEventListener("change", later);
  refresh();
})();
