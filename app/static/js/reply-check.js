// Live 答复口径 check while the handler types the reply draft (server-side rules, no CDN).
(function () {
  const area = document.querySelector('textarea[name="reply_draft"]');
  const panel = document.getElementById("reply-check-slot");
  if (!area || !panel) return;
  const token = document.querySelector('input[name="csrf_token"]');
  let timer = null;
  function check() {
    const body = new URLSearchParams({ text: area.value });
    fetch(panel.dataset.url, {
      method: "POST",
      headers: { "X-CSRFToken": token ? token.value : "" },
      body: body,
      credentials: "same-origin",
    }).then((r) => (r.ok ? r.text() : null)).then((html) => { if (html) panel.innerHTML = html; });
  }
  area.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(check, 600); });
})();
