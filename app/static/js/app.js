// Small behaviours every page may use, declared by data attributes (the CSP allows no inline script):
//   data-autosubmit  on a <select>: submit its form when it changes
//   data-submit-once on a submit button: disable it once its form is sent
//   data-print       on a button: print the page
//   data-confirm     on a <form>: ask this question first; the form is sent only if confirmed
//   data-clear-choice="name" on a button: uncheck the radio buttons of that (optional) field
//   data-maxlength="n" on a text field: the server's length limit. Past it, a line under the field says so
//                    while typing (the browser's maxlength would cut pasted text without a word; the
//                    server refuses the text, naming the field, and keeps all of it)
(function () {
  var texts = document.querySelector('meta[name="jiesu-form-texts"]');
  var TOO_LONG = (texts && texts.getAttribute('data-too-long')) || '已超过 {limit} 字的上限（现 {count} 字），请删减后再提交。';
  function length(value) {  // as the server counts it: characters, a line break sent as two
    return Array.from(value).length + (value.match(/\n/g) || []).length;
  }
  function checkLength(el) {
    var limit = parseInt(el.getAttribute('data-maxlength'), 10);
    if (!limit) return;
    var id = (el.id || el.name) + '-too-long';
    var hint = document.getElementById(id);
    var count = length(el.value || '');
    if (count <= limit) {
      if (hint) hint.remove();
      return;
    }
    if (!hint) {
      hint = document.createElement('div');
      hint.id = id;
      hint.className = 'form-text text-danger length-hint';
      hint.setAttribute('role', 'status');
      el.insertAdjacentElement('afterend', hint);
    }
    hint.textContent = TOO_LONG.replace('{limit}', limit).replace('{count}', count);
  }
  document.addEventListener('input', function (event) {
    if (event.target.matches && event.target.matches('[data-maxlength]')) checkLength(event.target);
  });
  document.addEventListener('DOMContentLoaded', function () {  // after drafts.js restored a kept draft
    document.querySelectorAll('[data-maxlength]:not(.is-invalid)').forEach(checkLength);
  });
  document.addEventListener('change', function (event) {
    var el = event.target;
    if (el.matches && el.matches('[data-autosubmit]') && el.form) el.form.submit();
  });
  document.addEventListener('submit', function (event) {
    var question = event.target.getAttribute && event.target.getAttribute('data-confirm');
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    var buttons = event.target.querySelectorAll('[data-submit-once]');
    setTimeout(function () { buttons.forEach(function (b) { b.disabled = true; }); }, 0);
  });
  document.addEventListener('click', function (event) {
    var el = event.target.closest && event.target.closest('[data-print]');
    if (el) window.print();
    var clear = event.target.closest && event.target.closest('[data-clear-choice]');
    if (clear && clear.form) {
      clear.form.querySelectorAll('input[type=radio]').forEach(function (r) {
        if (r.name === clear.getAttribute('data-clear-choice')) r.checked = false;
      });
    }
  });
})();
