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

import { diagramError, el, layoutNote } from "./common.js";
import { prepared } from "./layout.js";

const cfg = JSON.parse(document.getElementById("diff-config").textContent);
const t = cfg.texts;

async function open(container, url) {
  const viewer = new NavigatedViewer({ container, moddleExtensions: { camunda: camundaModdle } });
  const response = await fetch(url, { credentials: "same-origin" });
  const ready = await prepared(await response.text());  // a version deployed without layout: drawn here
  if (!ready) throw new Error("no diagram to display");
  await viewer.importXML(ready.xml);
  if (ready.drawn) container.append(el("div", { class: "jiesu-layout-note" }, layoutNote()));
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

// bpmn-js-differ looks at an element's own attributes; what a process owner changes most (a timer's
// expression, a condition, a form field's label: nested elements) it does not report. This compares
// the semantic model of each element present in both versions, nested elements included, children
// elements and diagram layout excluded (those are elements of their own).
const SKIP = new Set(["flowElements", "artifacts", "laneSets", "lanes", "childLaneSet", "flowNodeRef", "di",
  "incoming", "outgoing", "participants", "messageFlows", "rootElements", "diagrams"]);

function key(item, index) {
  return item && item.id ? item.id : item && item.name ? item.name : String(index);
}

function plain(value) {
  if (value === undefined || value === null || value === "") return undefined;
  if (value && value.$type && value.id) return `#${value.id}`;
  return value;
}

function deepDiff(a, b, path, out) {
  const descriptor = (a || b).$descriptor;
  const names = new Set(descriptor.properties.map((p) => p.name));
  for (const name of Object.keys(a || {}).concat(Object.keys(b || {}))) {
    if (!name.startsWith("$")) names.add(name);
  }
  for (const name of names) {
    if (SKIP.has(name) || name === "$type") continue;
    const prop = descriptor.propertiesByName[name];
    const here = path ? `${path}.${name}` : name;
    const va = a ? a.get ? a.get(name) : a[name] : undefined;
    const vb = b ? b.get ? b.get(name) : b[name] : undefined;
    if (prop && prop.isReference) {
      const ia = [].concat(va || []).map((x) => x && x.id).join(",");
      const ib = [].concat(vb || []).map((x) => x && x.id).join(",");
      if (ia !== ib) out.push({ attr: here, before: ia || "—", after: ib || "—" });
      continue;
    }
    if (Array.isArray(va) || Array.isArray(vb)) {
      const la = va || [], lb = vb || [];
      const byKey = new Map(lb.map((item, i) => [key(item, i), item]));
      la.forEach((item, i) => {
        const other = byKey.get(key(item, i));
        byKey.delete(key(item, i));
        compareValue(item, other, `${here}[${key(item, i)}]`, out);
      });
      for (const [k, item] of byKey) compareValue(undefined, item, `${here}[${k}]`, out);
      continue;
    }
    compareValue(va, vb, here, out);
  }
  const attrsA = (a && a.$attrs) || {}, attrsB = (b && b.$attrs) || {};
  for (const name of new Set([...Object.keys(attrsA), ...Object.keys(attrsB)])) {
    if (name.startsWith("xmlns")) continue;
    if (attrsA[name] !== attrsB[name]) out.push({ attr: path ? `${path}.${name}` : name, before: show(attrsA[name]), after: show(attrsB[name]) });
  }
}

function compareValue(va, vb, here, out) {
  const ma = va && va.$type, mb = vb && vb.$type;
  if (ma || mb) {
    if (ma && mb && va.$type === vb.$type) deepDiff(va, vb, here, out);
    else out.push({ attr: here, before: show(va), after: show(vb) });
    return;
  }
  if (plain(va) !== plain(vb)) out.push({ attr: here, before: show(va), after: show(vb) });
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
    // bpmn-js-differ 3.2 passes jsondiffpatch's [old, new] as (newValue, oldValue): its "newValue" is the old one
    const details = Object.entries(change.attrs).map(([attr, v]) => ({ attr, before: show(v.newValue), after: show(v.oldValue) }));
    rows.push({ kind: t.changed, cls: "primary", id, name: nameOf(change.model), type: typeOf(change.model), details });
  }
  // nested changes the differ does not see (timers, conditions, forms, scripts, documentation)
  const rightRegistry = right.get("elementRegistry");
  const listed = new Set([...Object.keys(changes._added), ...Object.keys(changes._removed), ...Object.keys(changes._changed)]);
  for (const element of left.get("elementRegistry").getAll()) {
    if (element.type === "label" || listed.has(element.id)) continue;
    const other = rightRegistry.get(element.id);
    if (!other) continue;
    listed.add(element.id);
    const details = [];
    deepDiff(element.businessObject, other.businessObject, "", details);
    if (!details.length) continue;
    changes._changed[element.id] = { model: element.businessObject, attrs: {} };
    mark(left, element.id, "diff-changed");
    mark(right, element.id, "diff-changed");
    rows.push({ kind: t.changed, cls: "primary", id: element.id, name: nameOf(element.businessObject),
                type: typeOf(element.businessObject), details });
  }
  for (const row of rows) {
    if (row.cls === "primary" && !row.details.length) {
      const element = left.get("elementRegistry").get(row.id);
      const other = rightRegistry.get(row.id);
      if (element && other) deepDiff(element.businessObject, other.businessObject, "", row.details);
    }
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
  document.getElementById("diff-rows").replaceChildren(el("tr", {}, el("td", { colspan: "4", class: "text-danger" }, diagramError(err))));
});
