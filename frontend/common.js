// Small helpers shared by the modeler, the viewers and the diff page.

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(key, value);
  }
  for (const child of children) {
    if (child === "" || child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export function debounce(fn, ms) {
  let timer = null;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/** JSON over fetch; a refusal's Chinese message (body.message) becomes the Error's message. */
export async function api(url, { method = "GET", json, csrf, keepalive = false } = {}) {
  const headers = { Accept: "application/json" };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  if (csrf) headers["X-CSRFToken"] = csrf;
  const response = await fetch(url, { method, headers, keepalive, credentials: "same-origin",
                                      body: json === undefined ? undefined : JSON.stringify(json) });
  let body = null;
  try {
    body = await response.json();
  } catch (err) {
    body = null;
  }
  if (!response.ok) throw new Error((body && body.message) || `HTTP ${response.status}`);
  return body;
}

export function download(name, text, type) {
  const url = URL.createObjectURL(new Blob([text], { type: `${type};charset=utf-8` }));
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Marks the elements (and the sequence flows between them) a run went through; returns the ids marked. */
export function highlightPath(viewer, path, waiting = []) {
  const registry = viewer.get("elementRegistry");
  const canvas = viewer.get("canvas");
  const seen = new Set(path);
  const marked = [];
  for (const id of seen) {
    const element = registry.get(id);
    if (element) { canvas.addMarker(element, "jiesu-path"); marked.push(id); }
  }
  registry.filter((e) => e.type === "bpmn:SequenceFlow").forEach((flow) => {
    const from = flow.businessObject.sourceRef && flow.businessObject.sourceRef.id;
    const to = flow.businessObject.targetRef && flow.businessObject.targetRef.id;
    if (seen.has(from) && seen.has(to)) { canvas.addMarker(flow, "jiesu-path"); marked.push(flow.id); }
  });
  for (const id of waiting) {
    const element = registry.get(id);
    if (element) { canvas.addMarker(element, "jiesu-wait"); marked.push(id); }
  }
  return marked;
}

/** An overlay under each timer with its due instant. */
export function showTimers(viewer, timers, type) {
  const registry = viewer.get("elementRegistry");
  const overlays = viewer.get("overlays");
  for (const timer of timers || []) {
    const element = registry.get(timer.element_id);
    if (!element) continue;
    overlays.add(element, type, {
      position: { bottom: -6, left: -30 },
      html: el("div", { class: "jiesu-timer-badge", "data-element": timer.element_id, title: timer.element_name || "" },
        "⏰ ", timer.due_text || timer.due),
    });
  }
}

// Under a diagram the viewer laid out itself (the version was deployed without BPMN DI)
export function layoutNote() {
  return (document.documentElement.lang || "zh").startsWith("en")
    ? "This version has no layout (BPMN DI): drawn automatically in flow order, for viewing only."
    : "此版本没有图形布局（BPMN DI），已按流程顺序自动排版，仅供查看。";
}

// bpmn-js's import errors (English) in the reader's language
export function diagramError(err) {
  const english = (document.documentElement.lang || "zh").startsWith("en");
  const message = (err && err.message) || String(err);
  if (/no diagram to display/i.test(message)) {
    return english ? "The file has no layout (BPMN DI): the diagram cannot be shown."
      : "文件没有图形布局（BPMN DI），无法显示流程图。请用建模工具打开并保存后重新部署。";
  }
  return english ? `The diagram cannot be shown: ${message}` : `流程图无法显示：${message}`;
}
