// 流程设计: the process owner's modeler page (bpmn-js + Camunda 7 properties panel + bpmnlint).
// The page gives its URLs, CSRF token and interface texts in <script id="modeler-config">.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "bpmn-js/dist/assets/bpmn-font/css/bpmn-embedded.css";
import "@bpmn-io/properties-panel/assets/properties-panel.css";
import "bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css";
import "./workbench.css";

import BpmnModeler from "bpmn-js/lib/Modeler";
import {
  BpmnPropertiesPanelModule,
  BpmnPropertiesProviderModule,
  CamundaPlatformPropertiesProviderModule,
} from "bpmn-js-properties-panel";
import CamundaBehaviorsModule from "camunda-bpmn-js-behaviors/lib/camunda-platform";
import camundaModdle from "camunda-bpmn-moddle/resources/camunda.json";
import lintModule from "bpmn-js-bpmnlint";
import lintConfig from "./.bpmnlintrc";

import translateModule from "./translate-zh.js";
import { api, debounce, download, el, highlightPath, showTimers } from "./common.js";
import { prepared } from "./layout.js";

const cfg = JSON.parse(document.getElementById("modeler-config").textContent);
const t = cfg.texts;
const $ = (id) => document.getElementById(id);

const modeler = new BpmnModeler({
  container: "#canvas",
  propertiesPanel: { parent: "#properties" },
  keyboard: { bind: true },
  linting: { bpmnlint: lintConfig, active: true },
  additionalModules: [
    BpmnPropertiesPanelModule,
    BpmnPropertiesProviderModule,
    CamundaPlatformPropertiesProviderModule,
    CamundaBehaviorsModule,
    lintModule,
    ...(cfg.locale.startsWith("en") ? [] : [translateModule]),
  ],
  moddleExtensions: { camunda: camundaModdle },
});
window.jiesuModeler = modeler; // for the browser tests and the curious

const state = { dirty: false, saving: null, lastSaved: null, serverProblems: [], lintIssues: {}, dryRunMarked: [],
  conversionProblems: [] };  // what renaming an opened Activiti / Flowable file dropped or could not say

function setStatus(text, kind = "muted") {
  const node = $("save-status");
  node.textContent = text;
  node.className = `small text-${kind}`;
}

async function currentXml() {
  const { xml } = await modeler.saveXML({ format: true });
  return xml;
}

// -- drafts: kept on the server per user, saved shortly after every change ---------------------
// and, at once, in this browser (localStorage): leaving the page a moment after an edit, or with a diagram too
// large for a keepalive request (64 KiB), loses nothing; the next open restores it.
const localKey = `jiesu-modeler:${cfg.userId}:${cfg.processKey || ""}`;
const latest = { xml: null, seq: 0 };

async function keepLocally() {
  const seq = ++latest.seq;
  const xml = await currentXml();
  if (seq !== latest.seq) return; // a later change is being written
  latest.xml = xml;
  try {
    localStorage.setItem(localKey, JSON.stringify({ xml, at: Date.now() }));
  } catch (err) {
    console.warn("localStorage", err); // full or disabled: the server draft still follows
  }
}

function forgetLocal(xml) {
  try {
    const kept = JSON.parse(localStorage.getItem(localKey) || "null");
    if (kept && kept.xml === xml) localStorage.removeItem(localKey);
  } catch (err) {
    localStorage.removeItem(localKey);
  }
}

async function saveDraft({ keepalive = false } = {}) {
  if (!state.dirty) return;
  const xml = await currentXml();
  state.dirty = false;
  setStatus(t.saving);
  try {
    const body = await api(cfg.urls.draft, { method: "PUT", csrf: cfg.csrf, keepalive,
                                            json: { process_key: cfg.processKey, xml } });
    state.lastSaved = body.saved_at;
    if (!state.dirty) forgetLocal(xml);
    setStatus(`${t.saved} ${body.saved_at_text}`, "success");
  } catch (err) {
    state.dirty = true;
    setStatus(`${t.saveFailed}：${err.message}`, "danger");
  }
}

const KEEPALIVE_LIMIT = 60000; // browsers refuse keepalive bodies over 64 KiB

function saveOnLeave() {
  // synchronous: no await before the request, or the page is gone before it is sent
  if (!state.dirty || latest.xml === null) return;
  try {
    localStorage.setItem(localKey, JSON.stringify({ xml: latest.xml, at: Date.now() }));
  } catch (err) { /* the server request below may still go */ }
  const body = JSON.stringify({ process_key: cfg.processKey, xml: latest.xml });
  if (new Blob([body]).size > KEEPALIVE_LIMIT) return; // restored from this browser on the next open
  fetch(cfg.urls.draft, { method: "PUT", keepalive: true, credentials: "same-origin", body,
                          headers: { "Content-Type": "application/json", Accept: "application/json",
                                     "X-CSRFToken": cfg.csrf } }).catch(() => {});
}
const saveSoon = debounce(() => saveDraft(), 1200);

async function discardDraft() {
  if (!window.confirm(t.confirmDiscard)) return;
  localStorage.removeItem(localKey);
  state.dirty = false;
  await api(cfg.urls.draft, { method: "DELETE", csrf: cfg.csrf, json: { process_key: cfg.processKey } });
  window.location.reload();
}

// -- checks: bpmnlint in the page, the deploy check on the server -------------------------------
function renderProblems() {
  const list = $("problems");
  list.replaceChildren();
  const rows = [];
  for (const p of state.serverProblems) rows.push({ ...p, source: t.serverCheck });
  for (const p of state.conversionProblems) rows.push({ ...p, source: t.fileConversion });
  for (const [id, issues] of Object.entries(state.lintIssues)) {
    for (const issue of issues) {
      rows.push({ element_id: id, element_name: elementName(id), severity: issue.category === "error" ? "error" : "warning",
                  message: modeler.get("translate")(issue.message), source: t.bpmnCheck });
    }
  }
  $("problem-count").textContent = rows.length ? String(rows.length) : "";
  $("problem-count").className = `badge ${rows.some((r) => r.severity === "error") ? "text-bg-danger" : "text-bg-warning"}`;
  if (!rows.length) {
    list.append(el("li", { class: "list-group-item small text-success" }, t.noProblems));
    return;
  }
  for (const row of rows) {
    const item = el("li", { class: "list-group-item list-group-item-action small problem-row", "data-element": row.element_id || "" },
      el("span", { class: `badge me-1 ${row.severity === "error" ? "text-bg-danger" : "text-bg-warning"}` },
        row.severity === "error" ? t.error : t.warning),
      el("span", { class: "text-muted me-1" }, `[${row.source}]`),
      row.element_id ? el("code", { class: "me-1" }, row.element_name ? `${row.element_name}（${row.element_id}）` : row.element_id) : "",
      row.message);
    item.addEventListener("click", () => focusElement(row.element_id));
    list.append(item);
  }
}

function elementName(id) {
  const element = id && modeler.get("elementRegistry").get(id);
  return element ? element.businessObject.name || "" : "";
}

function focusElement(id) {
  const element = id && modeler.get("elementRegistry").get(id);
  if (!element) return;
  modeler.get("selection").select(element);
  modeler.get("canvas").scrollToElement(element);
}

function markServerProblems() {
  const overlays = modeler.get("overlays");
  const canvas = modeler.get("canvas");
  const registry = modeler.get("elementRegistry");
  overlays.remove({ type: "jiesu-problem" });
  registry.forEach((e) => canvas.removeMarker(e, "jiesu-problem"));
  for (const p of state.serverProblems) {
    const element = p.element_id && registry.get(p.element_id);
    // (a process's own problem is in the list only: the root has no shape, its badge floated in blank canvas)
    if (!element || element.type === "label" || element === canvas.getRootElement()) continue;
    canvas.addMarker(element, "jiesu-problem");
    overlays.add(element, "jiesu-problem", {
      position: { top: -12, right: 12 },
      html: el("span", { class: `jiesu-problem-badge ${p.severity}`, title: p.message }, "!"),
    });
  }
}

async function serverCheck() {
  const xml = await currentXml();
  try {
    const report = await api(cfg.urls.lint, { method: "POST", csrf: cfg.csrf, json: { xml } });
    state.serverProblems = report.problems;
  } catch (err) {
    state.serverProblems = [{ element_id: "", element_name: "", severity: "error", message: err.message }];
  }
  markServerProblems();
  renderProblems();
  return state.serverProblems;
}
const serverCheckSoon = debounce(serverCheck, 1500);

modeler.on("linting.completed", ({ issues }) => {
  state.lintIssues = issues || {};
  renderProblems();
});

// -- dry run -------------------------------------------------------------------------------------
function clearDryRun() {
  const canvas = modeler.get("canvas");
  for (const id of state.dryRunMarked) {
    const element = modeler.get("elementRegistry").get(id);
    if (element) {
      canvas.removeMarker(element, "jiesu-path");
      canvas.removeMarker(element, "jiesu-wait");
    }
  }
  state.dryRunMarked = [];
  modeler.get("overlays").remove({ type: "jiesu-timer" });
}

async function dryRun() {
  clearDryRun();
  const box = $("dry-run-result");
  box.replaceChildren(el("div", { class: "small text-muted" }, t.running));
  let sample = {};
  const raw = $("sample-data").value.trim();
  if (raw) {
    try {
      sample = JSON.parse(raw);
    } catch (err) {
      box.replaceChildren(el("div", { class: "alert alert-danger small mb-0" }, `${t.badSample}：${err.message}`));
      return;
    }
  }
  let report;
  try {
    report = await api(cfg.urls.dryRun, { method: "POST", csrf: cfg.csrf, json: { xml: await currentXml(), sample_data: sample } });
  } catch (err) {
    box.replaceChildren(el("div", { class: "alert alert-danger small mb-0" }, err.message));
    return;
  }
  state.dryRunMarked = highlightPath(modeler, report.path, report.waiting || []);
  showTimers(modeler, report.timers, "jiesu-timer");
  const parts = [el("div", { class: "small mb-1" }, `${t.pathLength}：${report.path.length}`)];
  if (report.timers.length) {
    parts.push(el("div", { class: "small fw-bold" }, t.timers));
    const ul = el("ul", { class: "small mb-1", id: "dry-run-timers" });
    for (const timer of report.timers) {
      ul.append(el("li", {}, `${timer.element_name || timer.element_id}：${timer.due_text || timer.due}`));
    }
    parts.push(ul);
  }
  if (report.user_tasks && report.user_tasks.length) {
    parts.push(el("div", { class: "small" }, `${t.userTasks}：${report.user_tasks.map((u) => u.element_name || u.element_id).join("、")}`));
  }
  for (const p of report.problems || []) {
    parts.push(el("div", { class: "alert alert-danger small py-1 my-1" }, p.element_id ? `${p.element_name || p.element_id}：${p.message}` : p.message));
  }
  if (report.note) parts.push(el("div", { class: "small text-muted" }, report.note));
  box.replaceChildren(...parts);
}

// -- deploy --------------------------------------------------------------------------------------
async function deploy(event) {
  event.preventDefault();
  const comment = $("deploy-comment").value.trim();
  const out = $("deploy-result");
  if (!comment) {
    out.replaceChildren(el("div", { class: "alert alert-warning small mb-0" }, t.commentRequired));
    return;
  }
  out.replaceChildren(el("div", { class: "small text-muted" }, t.deploying));
  let result;
  try {
    result = await api(cfg.urls.deploy, { method: "POST", csrf: cfg.csrf, json: { xml: await currentXml(), comment, process_key: cfg.processKey } });
  } catch (err) {
    out.replaceChildren(el("div", { class: "alert alert-danger small mb-0" }, err.message));
    return;
  }
  if (!result.ok) {
    if (result.problems && result.problems.length) {  // a refusal for the diagram: its errors and warnings
      state.serverProblems = result.problems;
      markServerProblems();
      renderProblems();
    }  // else (与当前版本相同, no comment): the list of problems shown stays as it was
    out.replaceChildren(el("div", { class: "alert alert-danger small mb-0", id: "deploy-refused" }, result.message));
    return;
  }
  state.dirty = false;
  out.replaceChildren(el("div", { class: "alert alert-success small mb-0", id: "deploy-done" },
    result.message, " ", el("a", { href: result.versions_url }, t.seeVersions)));
  setStatus(result.message, "success");
}

// -- toolbar and shortcuts -------------------------------------------------------------------------
function fileName(ext) {
  const root = modeler.getDefinitions().rootElements.find((r) => r.$type === "bpmn:Process");
  return `${(root && root.id) || cfg.processKey || "diagram"}.${ext}`;
}

const actions = {
  undo: () => modeler.get("commandStack").undo(),
  redo: () => modeler.get("commandStack").redo(),
  "zoom-in": () => modeler.get("zoomScroll").stepZoom(1),
  "zoom-out": () => modeler.get("zoomScroll").stepZoom(-1),
  fit: () => modeler.get("canvas").zoom("fit-viewport", "auto"),
  "download-bpmn": async () => download(fileName("bpmn"), await currentXml(), "application/xml"),
  "download-svg": async () => download(fileName("svg"), (await modeler.saveSVG()).svg, "image/svg+xml"),
  check: () => serverCheck(),
  "dry-run": () => dryRun(),
  discard: () => discardDraft(),
  "save-now": () => { state.dirty = true; return saveDraft(); },
};
document.querySelectorAll("[data-tool]").forEach((button) => {
  button.addEventListener("click", (e) => { e.preventDefault(); actions[button.dataset.tool](); });
});
$("deploy-form").addEventListener("submit", deploy);

// a file from this computer (a diagram drawn elsewhere, one the deploy check refused): opened as the draft
// Why the canvas is empty, over it: bpmn-js's own elements stay, so 打开文件 can still put a diagram there.
function canvasAlert(text) {
  $("canvas-alert")?.remove();
  if (text) {
    $("canvas").prepend(el("div", { class: "alert alert-danger m-3 position-absolute top-0 start-0 end-0",
                                    style: "z-index: 10", id: "canvas-alert" }, text));
  }
}

// The file's text in the encoding it declares (GBK, GB18030, windows-1252, UTF-16 from other tools), not always UTF-8.
async function readDiagramFile(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let encoding = "utf-8";
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0x3c && bytes[1] === 0x00)) encoding = "utf-16le";
  else if ((bytes[0] === 0xfe && bytes[1] === 0xff) || (bytes[0] === 0x00 && bytes[1] === 0x3c)) encoding = "utf-16be";
  else {
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, 256));
    const declared = /^(?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*["']([\w.:-]+)["']/i.exec(head);
    if (declared) encoding = declared[1];
  }
  let decoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch (err) {
    throw new Error(t.unknownEncoding.replace("%(name)s", encoding));
  }
  try {
    return decoder.decode(bytes);
  } catch (err) {
    throw new Error(t.badEncoding);
  }
}

const FOREIGN_NAMESPACE = /["']http:\/\/(activiti|flowable)\.org\/bpmn["']/;
// Why bpmn-js could not read a file, in Chinese: the deploy check's reason (it names the line), else a general one.
async function importProblem(xml) {
  try {
    const report = await api(cfg.urls.lint, { method: "POST", csrf: cfg.csrf, json: { xml } });
    const found = (report.problems || []).find((p) => p.severity === "error" && !p.element_id);
    if (found) return found.message;
  } catch (err) {
    if (err.message && !/^HTTP \d+$/.test(err.message)) return err.message;
  }
  return t.importFailed;
}

$("open-file").addEventListener("change", async (e) => {
  const file = e.target.files[0];
  e.target.value = "";
  if (!file || !window.confirm(t.confirmOpen)) return;
  let xml;
  try {
    xml = await readDiagramFile(file);
  } catch (err) {
    setStatus(`${t.notBpmn}：${err.message}`, "danger");
    return;
  }
  const before = await currentXml().catch(() => null); // (nothing when the draft itself could not be shown)
  if (!/<([\w-]+:)?definitions[\s>]/.test(xml)) {
    setStatus(`${t.notBpmn}：${t.notXml}`, "danger");
    return;
  }
  let converted = { renamed: 0, problems: [] };
  if (FOREIGN_NAMESPACE.test(xml)) {  // Activiti's or Flowable's names: the panel shows only Camunda's
    try {
      converted = await api(cfg.urls.camundaTerms, { method: "POST", csrf: cfg.csrf, json: { xml } });
    } catch (err) {
      setStatus(`${t.notBpmn}：${err.message}`, "danger");
      return;
    }
    xml = converted.xml;
  }
  const ready = await prepared(xml);
  if (!ready) {
    setStatus(`${t.notBpmn}：${t.noLayout}`, "danger");
    return;
  }
  const drawn = ready.drawn;
  xml = ready.xml;
  try {
    await modeler.importXML(xml);
  } catch (err) {
    console.warn(err);
    if (before) await modeler.importXML(before).catch(() => {}); // the diagram that was there stays
    setStatus(`${t.notBpmn}：${await importProblem(xml)}`, "danger");
    return;
  }
  canvasAlert(null);
  modeler.get("canvas").zoom("fit-viewport", "auto");
  clearDryRun();
  state.conversionProblems = converted.problems || [];
  renderProblems();
  state.dirty = true;
  await keepLocally();
  setStatus((converted.renamed
    ? t.openedRenamed.replace("%(name)s", file.name).replace("%(n)s", String(converted.renamed))
    : t.opened.replace("%(name)s", file.name)) + (drawn ? ` ${t.laidOut}` : ""), "warning");
  saveSoon();
  serverCheckSoon();
});

document.addEventListener("keydown", (e) => {
  const mod = e.ctrlKey || e.metaKey;
  if (mod && e.key.toLowerCase() === "s") { e.preventDefault(); actions["save-now"](); }
  if (mod && e.shiftKey && e.key.toLowerCase() === "d") { e.preventDefault(); actions["dry-run"](); }
});

modeler.on("commandStack.changed", () => {
  state.dirty = true;
  keepLocally();
  setStatus(t.unsaved, "warning");
  clearDryRun();
  saveSoon();
  serverCheckSoon();
});
// a hidden tab saves now; a closed one keeps the change in this browser and sends it if it can (keepalive)
document.addEventListener("visibilitychange", () => { if (document.visibilityState === "hidden") saveDraft(); });
window.addEventListener("pagehide", saveOnLeave);

// -- open ---------------------------------------------------------------------------------------------
(async function open() {
  const loaded = await api(`${cfg.urls.draft}?process_key=${encodeURIComponent(cfg.processKey || "")}${cfg.fromVersion ? `&version=${cfg.fromVersion}` : ""}`);
  let kept = null;
  try {
    kept = cfg.fromVersion ? null : JSON.parse(localStorage.getItem(localKey) || "null");
  } catch (err) {
    kept = null;
  }
  const restore = kept && typeof kept.xml === "string" && kept.xml !== loaded.xml;
  const ready = await prepared(restore ? kept.xml : loaded.xml);  // (a version deployed without layout: drawn here)
  if (!ready) {
    // nothing to draw: importing it would leave bpmnlint linting a diagram without a root
    if (restore) localStorage.removeItem(localKey);
    canvasAlert(`${t.openFailed}：${t.noLayout}`);
    return;
  }
  const { drawn } = ready;
  try {
    const { warnings } = await modeler.importXML(ready.xml);
    if (warnings.length) console.warn(warnings);
  } catch (err) {
    if (restore) localStorage.removeItem(localKey); // a broken local copy must not block the page
    console.warn(err);
    const reason = /no diagram to display/i.test(err.message) ? t.noLayout : await importProblem(restore ? kept.xml : loaded.xml);
    canvasAlert(`${t.openFailed}：${reason}`);
    return;
  }
  modeler.get("canvas").zoom("fit-viewport", "auto");
  $("source-note").textContent = loaded.note;
  if (restore || drawn) {
    if (restore) latest.xml = kept.xml;
    state.dirty = true;
    setStatus(drawn ? t.laidOut : t.restoredLocal, "warning");
    saveSoon();
  } else if (!cfg.fromVersion) {
    localStorage.removeItem(localKey);
  }
  document.body.dataset.modelerReady = "1";
  serverCheck();
})();
