/* 现场检查 on a phone: keep what was typed, upload photos one by one, read the GPS position,
 * and submit so that a dropped connection never loses the form or records it twice.
 *
 * - form[data-draft-key]: every change is saved to localStorage and restored when the page is
 *   opened again; the draft carries the form's submit_token, so a submission that did reach
 *   the server is recognised when it is sent again. [data-clear-draft] (on the page reached
 *   after a successful submission) removes the draft.
 * - input[data-evidence-upload]: each chosen file is uploaded at once to the form's
 *   data-evidence-url; the returned id is kept as a hidden evidence_ids input (and in the draft).
 * - [data-geolocate]: fills the hidden latitude/longitude/accuracy inputs, or explains why not.
 * - button[data-insert-text]: appends its text to the textarea named by data-insert-target.
 */
(function () {
  "use strict";

  var STORE = window.localStorage;

  function safeGet(key) {
    try { return JSON.parse(STORE.getItem(key) || "null"); } catch (e) { return null; }
  }
  function safeSet(key, value) {
    try { STORE.setItem(key, JSON.stringify(value)); } catch (e) { /* private mode or full: no draft */ }
  }

  document.querySelectorAll("[data-clear-draft]").forEach(function (el) {
    var key = el.getAttribute("data-clear-draft");
    if (key) { try { STORE.removeItem(key); } catch (e) { /* ignore */ } }
  });

  // ---- drafts -----------------------------------------------------------------------------
  function fieldsOf(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.name && el.type !== "file" && el.name !== "csrf_token" && el.name !== "evidence_ids" &&
        el.type !== "submit" && el.type !== "button";
    });
  }

  function snapshot(form) {
    var values = {};
    fieldsOf(form).forEach(function (el) {
      if (el.type === "radio" || el.type === "checkbox") {
        if (el.checked) { values[el.name] = el.value; }
      } else {
        values[el.name] = el.value;
      }
    });
    return values;
  }

  function saveDraft(form) {
    var key = form.getAttribute("data-draft-key");
    safeSet(key, {savedAt: new Date().toISOString(), values: snapshot(form), evidence: evidenceOf(form)});
  }

  function restoreDraft(form) {
    var key = form.getAttribute("data-draft-key");
    var draft = safeGet(key);
    if (!draft || !draft.values) { return; }
    var restored = false;
    fieldsOf(form).forEach(function (el) {
      if (!(el.name in draft.values)) { return; }
      var value = draft.values[el.name];
      if (el.type === "radio" || el.type === "checkbox") {
        var want = el.value === value;
        if (el.checked !== want) { el.checked = want; restored = true; }
      } else if (el.value !== value && !(el.type === "hidden" && value === "" )) {
        el.value = value;
        restored = true;
      }
    });
    (draft.evidence || []).forEach(function (ev) {
      if (addEvidence(form, ev)) { restored = true; }
    });
    var note = form.querySelector("[data-draft-note]");
    if (restored && note) {
      var at = new Date(draft.savedAt);
      note.querySelector("[data-draft-time]").textContent =
        at.getHours() + ":" + String(at.getMinutes()).padStart(2, "0");
      note.hidden = false;
    }
    markFailures(form);
  }

  // ---- evidence -----------------------------------------------------------------------------
  function evidenceOf(form) {
    return Array.prototype.map.call(form.querySelectorAll("[data-evidence-item]"), function (li) {
      return {id: li.getAttribute("data-evidence-item"), name: li.getAttribute("data-name"),
              url: li.getAttribute("data-url"), image: li.getAttribute("data-image") === "1"};
    });
  }

  function addEvidence(form, ev) {
    var list = form.querySelector("[data-evidence-list]");
    if (!list || list.querySelector('[data-evidence-item="' + ev.id + '"]')) { return false; }
    var li = document.createElement("li");
    li.className = "evidence-item";
    li.setAttribute("data-evidence-item", ev.id);
    li.setAttribute("data-name", ev.name || "");
    li.setAttribute("data-url", ev.url || "");
    li.setAttribute("data-image", ev.image ? "1" : "0");
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = "evidence_ids";
    input.value = ev.id;
    li.appendChild(input);
    if (ev.image && ev.url) {
      var img = document.createElement("img");
      img.src = ev.url;
      img.alt = ev.name || "";
      img.loading = "lazy";
      li.appendChild(img);
    } else {
      var icon = document.createElement("span");
      icon.className = "bi bi-file-earmark-text fs-1";
      li.appendChild(icon);
    }
    var name = document.createElement("span");
    name.className = "small text-truncate";
    name.textContent = ev.name || "";
    li.appendChild(name);
    list.appendChild(li);
    return true;
  }

  function uploadFiles(form, input) {
    var url = form.getAttribute("data-evidence-url");
    var status = form.querySelector("[data-upload-status]");
    var csrf = form.querySelector('input[name="csrf_token"]');
    var files = Array.prototype.slice.call(input.files || []);
    if (!url || !files.length) { return; }
    var failed = new DataTransfer();
    var pending = files.length;
    status.textContent = form.getAttribute("data-msg-uploading");
    status.className = "small text-muted";
    form.setAttribute("data-uploading", String(pending));
    files.forEach(function (file) {
      var body = new FormData();
      body.append("file", file, file.name);
      if (csrf) { body.append("csrf_token", csrf.value); }
      fetch(url, {method: "POST", body: body, credentials: "same-origin"}).then(function (response) {
        return response.json().then(function (json) { return {ok: response.ok, json: json}; });
      }).then(function (result) {
        if (result.ok) {
          addEvidence(form, result.json);
          saveDraft(form);
        } else {
          showUploadError(status, result.json.error);
        }
      }).catch(function () {
        failed.items.add(file);
        showUploadError(status, form.getAttribute("data-msg-offline-upload"));
      }).then(function () {
        pending -= 1;
        form.setAttribute("data-uploading", String(pending));
        if (pending === 0) {
          input.files = failed.files;  // what could not be sent now goes with the form
          if (!failed.files.length && status.className.indexOf("danger") < 0) {
            status.textContent = form.getAttribute("data-msg-uploaded");
            status.className = "small text-success";
          }
        }
      });
    });
  }

  function showUploadError(status, message) {
    status.textContent = message;
    status.className = "small text-danger";
  }

  // ---- GPS ----------------------------------------------------------------------------------
  function locate(form) {
    var box = form.querySelector("[data-geolocate]");
    if (!box) { return; }
    var status = box.querySelector("[data-gps-status]");
    var lat = form.querySelector('input[name="latitude"]');
    var lng = form.querySelector('input[name="longitude"]');
    var acc = form.querySelector('input[name="accuracy"]');
    var manual = form.querySelector('input[name="location_note"]');
    function fail(message) {
      status.textContent = message;
      status.className = "small text-danger";
      if (manual) { manual.closest(".mb-3").classList.add("manual-needed"); }
    }
    if (!window.isSecureContext) { fail(box.getAttribute("data-msg-insecure")); return; }
    if (!navigator.geolocation) { fail(box.getAttribute("data-msg-unsupported")); return; }
    status.textContent = box.getAttribute("data-msg-locating");
    status.className = "small text-muted";
    navigator.geolocation.getCurrentPosition(function (pos) {
      lat.value = pos.coords.latitude.toFixed(6);
      lng.value = pos.coords.longitude.toFixed(6);
      acc.value = Math.round(pos.coords.accuracy);
      status.textContent = box.getAttribute("data-msg-located")
        .replace("%(lat)s", lat.value).replace("%(lng)s", lng.value).replace("%(acc)s", acc.value);
      status.className = "small text-success";
      saveDraft(form);
    }, function (err) {
      if (err.code === 1) { fail(box.getAttribute("data-msg-denied")); }
      else if (err.code === 3) { fail(box.getAttribute("data-msg-timeout")); }
      else { fail(box.getAttribute("data-msg-unavailable")); }
    }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
  }

  // ---- 不合格 highlighting -------------------------------------------------------------------
  function markFailures(form) {
    var any = false;
    form.querySelectorAll("[data-check-item]").forEach(function (card) {
      var failed = !!card.querySelector('input[type="radio"][value="不合格"]:checked');
      card.classList.toggle("check-failed", failed);
      any = any || failed;
    });
    form.classList.toggle("has-failures", any);
  }

  // ---- submit that survives a dropped connection --------------------------------------------
  function submitSafely(form, event) {
    event.preventDefault();
    var message = form.querySelector("[data-submit-status]");
    var button = form.querySelector('button[type="submit"]');
    if (Number(form.getAttribute("data-uploading") || "0") > 0) {
      message.textContent = form.getAttribute("data-msg-wait-upload");
      message.hidden = false;
      return;
    }
    saveDraft(form);
    button.disabled = true;
    message.hidden = true;
    fetch(form.action || window.location.href, {method: "POST", body: new FormData(form),
                                                 credentials: "same-origin"}).then(function (response) {
      // show the answer as the browser would have (the flashed message is in it: do not fetch it twice)
      return response.text().then(function (html) {
        if (response.redirected) { window.history.replaceState(null, "", response.url); }
        document.open();
        document.write(html);
        document.close();
      });
    }).catch(function () {
      button.disabled = false;
      message.textContent = form.getAttribute("data-msg-offline");
      message.hidden = false;
    });
  }

  document.querySelectorAll("form[data-draft-key]").forEach(function (form) {
    restoreDraft(form);
    form.addEventListener("input", function () { markFailures(form); saveDraft(form); });
    form.addEventListener("change", function () { markFailures(form); saveDraft(form); });
    if (form.hasAttribute("data-safe-submit")) {
      form.addEventListener("submit", function (event) { submitSafely(form, event); });
    }
    form.querySelectorAll("input[data-evidence-upload]").forEach(function (input) {
      input.addEventListener("change", function () { uploadFiles(form, input); });
    });
    var gpsButton = form.querySelector("[data-geolocate] button");
    if (gpsButton) { gpsButton.addEventListener("click", function () { locate(form); }); }
    var lat = form.querySelector('input[name="latitude"]');
    if (lat && !lat.value) { locate(form); }
    var clear = form.querySelector("[data-draft-discard]");
    if (clear) {
      clear.addEventListener("click", function () {
        try { STORE.removeItem(form.getAttribute("data-draft-key")); } catch (e) { /* ignore */ }
        window.location.reload();
      });
    }
  });

  // ---- 插入核查结果 into the reply draft (delegated: the panel may arrive after the page, as a fragment) ----
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-insert-text]") : null;
    if (!button) { return; }
    var target = document.getElementsByName(button.getAttribute("data-insert-target"))[0];
    if (!target) { return; }
    var text = button.getAttribute("data-insert-text");
    target.value = target.value ? target.value.replace(/\s+$/, "") + "\n" + text : text;
    target.dispatchEvent(new Event("input", {bubbles: true}));
    target.focus();
  });
  function hideUseless(root) {  // a button with no reply draft on the page to insert into
    root.querySelectorAll("button[data-insert-text]").forEach(function (button) {
      button.hidden = !document.getElementsByName(button.getAttribute("data-insert-target"))[0];
    });
  }
  hideUseless(document);
  document.addEventListener("htmx:load", function (event) { hideUseless(event.target); });
})();
