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

// The properties panel's own components (a group's 展开/收起 and 本节有修改, a list's 新增 and 共 N 项, a
// list item's 删除此项, the pop-up editor button) take `translate` from their props and, where bpmn-js-
// properties-panel does not pass it, fall back to English. The build (scripts/build-static.mjs) makes that
// fallback ask `globalThis.jiesuTranslate`, which this module sets when the modeler loads it.
function useForFallback(translateService) {
  globalThis.jiesuTranslate = translateService;
  return {};
}
useForFallback.$inject = ["translate"];

export default {
  __init__: ["jiesuFallbackTranslate"],
  translate: ["value", translate],
  jiesuFallbackTranslate: ["factory", useForFallback],
};
