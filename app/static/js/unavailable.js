// On the page the proxy shows when no app process answers (errors/unavailable.html): the submission that led
// here did not succeed, so drafts.js must not forget what was typed when the next page of the desk opens.
(function () {
  "use strict";
  try { window.sessionStorage.removeItem("jiesu-draft-pending"); } catch (e) { /* ignore */ }
})();
