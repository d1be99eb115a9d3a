// What a user types into any form is kept in this browser until the submission succeeds.
//
// Every <form method="post"> with fields to fill (not [data-no-draft], not the inspection pages'
// own [data-draft-key] forms, which field.js keeps with their evidence) is saved to localStorage on
// every change, under the signed-in user, the page and the form. Opening the page again restores
// the values (with a note and a button to discard them). The draft is removed only when the page
// reached after submitting it shows no failure: an error page (#error: 4xx/5xx, the 503 of a
// database that is down), the same form with invalid fields, or a red message keep it; so does
// coming back to the form with the browser's back button or a reload after the server was
// unreachable. Passwords, files, hidden fields and CSRF tokens are never stored.
(function () {
  "use strict";
  var STORE, PENDING;
  try { STORE = window.localStorage; PENDING = window.sessionStorage; } catch (e) { return; }
  if (!STORE || !PENDING) { return; }
  var MAX_AGE_MS = 7 * 24 * 3600 * 1000;
  var PENDING_KEY = "jiesu-draft-pending";
  var userMeta = document.querySelector('meta[name="jiesu-user"]');
  var user = userMeta ? userMeta.getAttribute("content") : "";
  var texts = document.querySelector('meta[name="jiesu-draft-texts"]');
  var RESTORED = (texts && texts.getAttribute("data-restored")) || "已恢复您在本机未提交的填写内容";
  var DISCARD = (texts && texts.getAttribute("data-discard")) || "清除并恢复原值";

  function get(key) {
    try { return JSON.parse(STORE.getItem(key) || "null"); } catch (e) { return null; }
  }
  function put(key, value) {
    try { STORE.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode or full: no draft */ }
  }
  function drop(key) {
    try { STORE.removeItem(key); } catch (e) { /* ignore */ }
  }

  function savable(el) {
    if (!el.name || el.disabled) { return false; }
    var type = (el.type || "").toLowerCase();
    if (["hidden", "password", "file", "submit", "button", "reset", "image"].indexOf(type) >= 0) { return false; }
    return el.name !== "csrf_token" && el.name !== "submit_token" && !el.hasAttribute("data-no-draft");
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, savable);
  }

  function keyOf(form, index) {
    var action = form.getAttribute("action") || window.location.pathname;
    return "jiesu-draft:" + user + ":" + window.location.pathname + ":" + (form.id || index) + ":" + action;
  }

  function values(form) {
    var out = {};
    fields(form).forEach(function (el) {
      var type = (el.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        out[el.name] = out[el.name] || [];
        if (el.checked) { out[el.name].push(el.value); }
      } else if (el.tagName === "SELECT" && el.multiple) {
        out[el.name] = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
          .map(function (o) { return o.value; });
      } else {
        out[el.name] = el.value;
      }
    });
    return out;
  }

  // A text as the server gives it back: full width folded (NFKC, as the server folds 工单编号 and 来电号码),
  // one kind of line break, no spaces at the ends of lines or of the text (a textarea written by hand
  // loses its first line break; the server strips what it stores).
  function folded(text) {
    var value = String(text == null ? "" : text);
    if (value.normalize) { value = value.normalize("NFKC"); }
    return value.replace(/\r\n?/g, "\n").replace(/[ \t\u3000]+$/gm, "").replace(/^\s+|\s+$/g, "");
  }

  function sameOptions(el, value) {
    var chosen = Array.prototype.filter.call(el.options, function (o) { return o.selected; })
      .map(function (o) { return o.value; });
    return chosen.length === value.length && chosen.every(function (v) { return value.indexOf(v) >= 0; });
  }

  // Does the draft differ from what the page shows? The page after a refused submission shows what was
  // typed (perhaps folded by the server): then there is nothing to restore and no note to show.
  function changedFromPage(form, saved) {
    var seen = {};
    return fields(form).some(function (el) {
      var value = saved[el.name];
      if (value === undefined) { return false; }
      var type = (el.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        if (!Array.isArray(value)) { return false; }
        if (seen[el.name]) { return false; }  // the group as a whole, once
        seen[el.name] = true;
        var checked = Array.prototype.filter.call(form.elements, function (other) {
          return other.name === el.name && savable(other) && other.checked;
        }).map(function (other) { return other.value; });
        return checked.length !== value.length || checked.some(function (v) { return value.indexOf(v) < 0; });
      }
      if (el.tagName === "SELECT" && el.multiple) { return Array.isArray(value) && !sameOptions(el, value); }
      return folded(el.value) !== folded(value);
    });
  }

  function restore(form, saved) {
    fields(form).forEach(function (el) {
      var value = saved[el.name];
      if (value === undefined) { return; }
      var type = (el.type || "").toLowerCase();
      if (type === "checkbox" || type === "radio") {
        el.checked = value.indexOf(el.value) >= 0;
      } else if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.options, function (o) { o.selected = value.indexOf(o.value) >= 0; });
      } else if (folded(el.value) !== folded(value)) {  // what the page shows folded stays as it is
        el.value = value;
      }
    });
  }

  function note(form, key, savedAt) {
    var box = document.createElement("div");
    box.className = "alert alert-info small py-2 draft-restored";
    box.setAttribute("role", "status");
    var text = document.createElement("span");
    var at = new Date(savedAt);
    text.textContent = RESTORED + "（" + at.toLocaleString() + "）";
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-link btn-sm p-0 align-baseline ms-1";
    discard.textContent = DISCARD;
    discard.addEventListener("click", function () {
      drop(key);
      window.location.reload();
    });
    box.appendChild(text);
    box.appendChild(discard);
    form.insertBefore(box, form.firstChild);
  }

  function failedPage(key) {
    if (document.getElementById("error")) { return true; }  // the error page: 4xx, 5xx, the database down
    if (document.querySelector(".alert-danger")) { return true; }
    var form = document.querySelector('form[data-jiesu-draft="' + CSS.escape(key) + '"]');
    return Boolean(form && form.querySelector(".is-invalid, .invalid-feedback.d-block"));
  }

  function navigationType() {
    var entries = window.performance && performance.getEntriesByType ? performance.getEntriesByType("navigation") : [];
    return entries.length ? entries[0].type : "navigate";
  }

  function draftable(root) {
    return Array.prototype.filter.call(root.querySelectorAll("form"), function (form) {
      return (form.getAttribute("method") || "get").toLowerCase() === "post" && !form.hasAttribute("data-jiesu-draft") &&
        !form.hasAttribute("data-no-draft") && !form.hasAttribute("data-draft-key") && fields(form).length > 0;
    });
  }
  var counted = 0;  // forms keyed so far (those of a fragment loaded later continue the numbering)
  var forms = draftable(document);
  forms.forEach(function (form) { form.setAttribute("data-jiesu-draft", keyOf(form, counted++)); });

  // the submission before this page: did it succeed?
  var pending = null;
  try { pending = JSON.parse(PENDING.getItem(PENDING_KEY) || "null"); } catch (e) { pending = null; }
  PENDING.removeItem(PENDING_KEY);
  if (pending && pending.key) {
    var cameBack = navigationType() !== "navigate" && pending.from === window.location.href;
    if (!cameBack && !failedPage(pending.key)) { drop(pending.key); }
  }

  function setUp(form) {
    var key = form.getAttribute("data-jiesu-draft");
    var draft = get(key);
    if (draft && draft.values && Date.now() - draft.savedAt < MAX_AGE_MS) {
      if (changedFromPage(form, draft.values)) {
        restore(form, draft.values);
        note(form, key, draft.savedAt);
      }
    } else if (draft) {
      drop(key);
    }
    function save() { put(key, { values: values(form), savedAt: Date.now() }); }
    form.addEventListener("input", save);
    form.addEventListener("change", save);
    form.addEventListener("submit", function () {
      save();
      try { PENDING.setItem(PENDING_KEY, JSON.stringify({ key: key, from: window.location.href })); } catch (e) { /* ignore */ }
    });
  }
  forms.forEach(setUp);
  // forms that arrive later in a fragment (htmx: the panels beside a task's form)
  document.addEventListener("htmx:load", function (event) {
    draftable(event.target.parentNode || event.target).forEach(function (form) {
      form.setAttribute("data-jiesu-draft", keyOf(form, counted++));
      setUp(form);
    });
  });
})();
