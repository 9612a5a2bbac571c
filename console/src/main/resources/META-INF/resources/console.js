// Live updates: the page listens to the console's /live stream (the audit trail's events for what this person may see)
// and, at most twice a second, reloads its own fragment: no page reload, and what is shown is read with the same rules.
(function () {
  'use strict';
  var status = document.querySelector('[data-live]');
  if (status && window.EventSource) {
    var target = document.getElementById(status.dataset.target);
    var pending = null;
    var refresh = function () {
      pending = null;
      fetch(status.dataset.fragment, { credentials: 'same-origin', redirect: 'error' })
        .then(function (r) { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
        .then(function (html) { target.innerHTML = html; status.textContent = 'Live updates: updated ' + new Date().toLocaleTimeString(); })
        .catch(function () { status.textContent = 'Live updates stopped (signed out?): reload the page.'; });
    };
    var source = new EventSource(status.dataset.live);
    source.onopen = function () { status.textContent = 'Live updates: on'; };
    source.onmessage = function () { if (!pending) { pending = setTimeout(refresh, 500); } };
    source.onerror = function () { status.textContent = 'Live updates: reconnecting…'; };
  }
  // The kill switch's buttons stay disabled until the chosen mitigation's id is typed again (the server checks it too).
  var kill = document.getElementById('kill-switch-form');
  if (kill) {
    var select = kill.querySelector('select[name=mitigation]');
    var typed = kill.querySelector('input[name=confirmation]');
    var check = function () {
      var confirmed = typed.value.trim() === select.value;
      kill.querySelectorAll('button').forEach(function (b) { b.disabled = !confirmed; });
    };
    typed.addEventListener('input', check);
    select.addEventListener('change', check);
  }
}());
