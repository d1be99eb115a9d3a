// 导出任务: the job page follows its progress, and reloads when the file is made (or the job failed).
(function () {
  var box = document.getElementById('export-job');
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
        set('job-state', s.state_label); set('job-done', s.done); set('job-total', s.total === null ? '…' : s.total);
        if (s.finished) { window.location.reload(); } else { setTimeout(poll, 1000); }
      })
      .catch(function () { setTimeout(poll, 3000); });
  }
  setTimeout(poll, 700);
})();
