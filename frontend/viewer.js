// Read-only diagrams: a ticket on its diagram (path taken, open tasks and their holders, waiting
// timers with their due instants, an open incident) and a process's running instances as counts
// on its elements. Each <div data-bpmn-viewer data-xml-url=... data-state-url=...> gets a viewer.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import "./workbench.css";

import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";

import { api, diagramError, el, highlightPath, layoutNote, showTimers } from "./common.js";
import { prepared } from "./layout.js";

async function show(container) {
  const viewer = new NavigatedViewer({ container, moddleExtensions: { camunda: camundaModdle } });
  const response = await fetch(container.dataset.xmlUrl, { credentials: "same-origin" });
  const ready = await prepared(await response.text());  // a version deployed without layout: drawn here
  if (!ready) throw new Error("no diagram to display");
  await viewer.importXML(ready.xml);
  if (ready.drawn) container.append(el("div", { class: "jiesu-layout-note" }, layoutNote()));
  viewer.get("canvas").zoom("fit-viewport", "auto");
  const state = container.dataset.stateUrl ? await api(container.dataset.stateUrl) : {};
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  const overlays = viewer.get("overlays");
  highlightPath(viewer, state.path || [], []);
  for (const task of state.open_tasks || []) {
    const element = registry.get(task.element_id);
    if (!element) continue;
    canvas.addMarker(element, "jiesu-open");
    overlays.add(element, "jiesu-holder", {
      position: { top: -22, left: 0 },
      html: el("div", { class: "jiesu-holder-badge", "data-element": task.element_id }, `👤 ${task.holder}`),
    });
  }
  for (const timer of state.timers || []) {
    const element = registry.get(timer.element_id);
    if (element) canvas.addMarker(element, "jiesu-wait");
  }
  showTimers(viewer, state.timers, "jiesu-timer");
  if (state.incident && registry.get(state.incident.element_id)) {
    canvas.addMarker(registry.get(state.incident.element_id), "jiesu-incident");
  }
  for (const [id, count] of Object.entries(state.counts || {})) {
    const element = registry.get(id);
    if (!element) continue;
    overlays.add(element, "jiesu-count", {
      position: { bottom: 10, right: 10 },
      html: el("span", { class: "jiesu-count-badge", "data-element": id, title: container.dataset.countTitle || "" }, String(count)),
    });
  }
  for (const [id, count] of Object.entries(state.incident_counts || {})) {
    const element = registry.get(id);
    if (!element) continue;
    overlays.add(element, "jiesu-count", {
      position: { bottom: 10, left: 10 },
      html: el("span", { class: "jiesu-count-badge incident", "data-element": id }, String(count)),
    });
  }
  container.dataset.ready = "1";
  container.jiesuViewer = viewer;
}

document.querySelectorAll("[data-bpmn-viewer]").forEach((container) => {
  show(container).catch((err) => {
    container.replaceChildren(el("div", { class: "alert alert-danger m-2 small" }, diagramError(err)));
  });
});
