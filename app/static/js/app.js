// Small behaviours every page may use, declared by data attributes (the CSP allows no inline script):
//   data-autosubmit  on a <select>: submit its form when it changes
//   data-submit-once on a submit button: disable it once its form is sent
//   data-print       on a button: print the page
//   data-confirm     on a <form>: ask this question first; the form is sent only if confirmed
//   data-clear-choice="name" on a button: uncheck the radio buttons of that (optional) field
(function () {
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
