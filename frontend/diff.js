// Two versions of a process side by side: added (green), removed (red), changed (blue) and moved
// (purple, layout only) elements coloured on the diagrams by bpmn-js-differ, with the changed
// properties listed. The page gives the two files' URLs in <script id="diff-config">.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import "./workbench.css";

import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import { diff } from "bpmn-js-differ";

import { el } from "./common.js";

const cfg = JSON.parse(document.getElementById("diff-config").textContent);
const t = cfg.texts;

async function open(container, url) {
  const viewer = new NavigatedViewer({ container, moddleExtensions: { camunda: camundaModdle } });
  const response = await fetch(url, { credentials: "same-origin" });
  await viewer.importXML(await response.text());
  viewer.get("canvas").zoom("fit-viewport", "auto");
  return viewer;
}

function mark(viewer, id, marker) {
  const element = viewer.get("elementRegistry").get(id);
  if (element) viewer.get("canvas").addMarker(element, marker);
}

function show(value) {
  if (value === undefined || value === null) return "—";
  if (typeof value === "object") {
    if (value.$type) return value.body !== undefined ? String(value.body) : (value.id || value.name || value.$type);
    try { return JSON.stringify(value); } catch (err) { return String(value); }
  }
  return String(value);
}

function nameOf(model) {
  return (model && (model.name || model.id)) || "";
}

function typeOf(model) {
  return ((model && model.$type) || "").replace("bpmn:", "");
}

(async function main() {
  const [left, right] = await Promise.all([open(document.getElementById("diff-a"), cfg.urls.a),
                                           open(document.getElementById("diff-b"), cfg.urls.b)]);
  // both diagrams move together
  let syncing = false;
  const follow = (from, to) => from.on("canvas.viewbox.changed", ({ viewbox }) => {
    if (syncing) return;
    syncing = true;
    to.get("canvas").viewbox(viewbox);
    syncing = false;
  });
  follow(left, right);
  follow(right, left);

  const changes = diff(left.getDefinitions(), right.getDefinitions());
  const rows = [];
  for (const [id, model] of Object.entries(changes._added)) {
    mark(right, id, "diff-added");
    rows.push({ kind: t.added, cls: "success", id, name: nameOf(model), type: typeOf(model), details: [] });
  }
  for (const [id, model] of Object.entries(changes._removed)) {
    mark(left, id, "diff-removed");
    rows.push({ kind: t.removed, cls: "danger", id, name: nameOf(model), type: typeOf(model), details: [] });
  }
  for (const [id, change] of Object.entries(changes._changed)) {
    mark(left, id, "diff-changed");
    mark(right, id, "diff-changed");
    const details = Object.entries(change.attrs).map(([attr, v]) => ({ attr, before: show(v.oldValue), after: show(v.newValue) }));
    rows.push({ kind: t.changed, cls: "primary", id, name: nameOf(change.model), type: typeOf(change.model), details });
  }
  for (const [id, model] of Object.entries(changes._layoutChanged)) {
    if (changes._changed[id] || changes._added[id]) continue;
    mark(left, id, "diff-layout");
    mark(right, id, "diff-layout");
    rows.push({ kind: t.moved, cls: "secondary", id, name: nameOf(model), type: typeOf(model), details: [] });
  }
  const body = document.getElementById("diff-rows");
  body.replaceChildren();
  if (!rows.length) body.append(el("tr", {}, el("td", { colspan: "4", class: "text-muted" }, t.same)));
  for (const row of rows) {
    const details = el("div", { class: "small" });
    for (const d of row.details) {
      details.append(el("div", {}, el("code", {}, d.attr), "：", el("del", { class: "text-danger" }, d.before), " → ",
        el("ins", { class: "text-success" }, d.after)));
    }
    body.append(el("tr", { "data-element": row.id, "data-kind": row.cls },
      el("td", {}, el("span", { class: `badge text-bg-${row.cls}` }, row.kind)),
      el("td", {}, row.name, " ", el("code", { class: "small" }, row.id)),
      el("td", { class: "small text-muted" }, row.type),
      el("td", {}, details)));
  }
  document.body.dataset.diffReady = "1";
})().catch((err) => {
  document.getElementById("diff-rows").replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "text-danger" }, err.message)));
});
