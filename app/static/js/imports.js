// 导入工单: the upload button waits for the upload; the job page polls its progress.
(function () {
  var form = document.getElementById('upload-form');
  if (form) {
    form.addEventListener('submit', function () {
      document.getElementById('upload-button').disabled = true;
      document.getElementById('upload-wait').classList.remove('d-none');
    });
  }
  var box = document.getElementById('import-job');
  if (!box || box.dataset.finished === 'true') return;
  var bar = document.querySelector('#job-progress .progress-bar');
  function set(id, value) { var el = document.getElementById(id); if (el) el.textContent = value; }
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {'Accept': 'application/json'}, credentials: 'same-origin'})
      .then(function (r) { return r.json(); })
      .then(function (s) {
        bar.style.width = s.percent + '%';
        bar.textContent = s.percent + '%';
        document.getElementById('job-progress').setAttribute('aria-valuenow', s.percent);
        set('job-status', s.status_label); set('job-done', s.done); set('job-total', s.total);
        set('job-created', s.created); set('job-skipped', s.skipped); set('job-conflicts', s.conflicts);
        set('job-invalid', s.invalid); set('job-failed', s.failed);
        if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 500);
})();
