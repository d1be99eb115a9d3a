// What a diagram goes through before bpmn-js imports it, in the modeler and in the read-only viewers alike:
// the flows' refs filled in and, where the file has no layout, one drawn.
import { layoutProcess } from "bpmn-auto-layout";

const HAS_LAYOUT = /<([\w-]+:)?BPMNDiagram[\s>]/;

// The <incoming>/<outgoing> of each flow node, from the sequence flows, where the file has none (Activiti and
// Flowable write none): bpmnlint reads only those (bpmn-io/bpmnlint#28: every element of such a file was "not
// connected"), and so does the auto-layout (every element started a row of its own). Applied to whatever is imported.
function withFlowRefs(xml) {
  const doc = new DOMParser().parseFromString(xml, "application/xml");
  if (doc.getElementsByTagName("parsererror").length) return xml;
  const NS = "http://www.omg.org/spec/BPMN/20100524/MODEL";
  const byId = new Map();
  let added = 0;
  for (const node of doc.getElementsByTagNameNS(NS, "*")) if (node.getAttribute("id")) byId.set(node.getAttribute("id"), node);
  for (const flow of doc.getElementsByTagNameNS(NS, "sequenceFlow")) {
    const id = flow.getAttribute("id");
    for (const [ref, side] of [["sourceRef", "outgoing"], ["targetRef", "incoming"]]) {
      const node = byId.get(flow.getAttribute(ref));
      if (!node || [...node.children].some((c) => c.localName === side && c.namespaceURI === NS && c.textContent.trim() === id)) continue;
      const link = doc.createElementNS(NS, flow.prefix ? `${flow.prefix}:${side}` : side);
      link.textContent = id;
      node.appendChild(link);
      added += 1;
    }
  }
  return added ? new XMLSerializer().serializeToString(doc) : xml;
}

// What is imported: the flows' refs filled in (withFlowRefs) and, for a file without layout (BPMN DI: Activiti's
// and Flowable's test files, a generated one), a layout drawn by bpmn-auto-layout, left to right. Null when it
// cannot be drawn (bpmn-auto-layout lays out one process: pools are not drawn).
export async function prepared(xml) {
  const linked = withFlowRefs(xml);
  if (HAS_LAYOUT.test(linked)) return { xml: linked, drawn: false };
  try {
    const drawn = await layoutProcess(linked);
    return HAS_LAYOUT.test(drawn) ? { xml: drawn, drawn: true } : null;
  } catch (err) {
    console.warn(err);
    return null;
  }
}
