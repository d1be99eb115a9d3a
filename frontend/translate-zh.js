// Chinese labels for bpmn-js (palette, context pad, popup and append menus), the Camunda 7
// properties panel and the bpmnlint overlays. bpmn-js passes every label through the
// `translate` service; a string missing here shows in English, as the libraries wrote it.
import zh from "./zh-strings.js";
import lint from "./zh-lint.js";

const strings = { ...zh, ...lint };

export function translate(template, replacements) {
  replacements = replacements || {};
  const text = strings[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (key in replacements ? replacements[key] : `{${key}}`));
}

export default { translate: ["value", translate] };
