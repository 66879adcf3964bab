// Small form helpers for every page: a form with data-confirm asks before it is sent (delete a policy,
// bulk actions), and the account page's button that asks the browser for notification permission.
(function () {
  "use strict";
  document.addEventListener("submit", function (ev) {
    var form = ev.target;
    var question = form && form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) ev.preventDefault();
  }, true);

  var ask = document.getElementById("alerts-permission");
  var state = document.getElementById("alerts-permission-state");
  function show() {
    if (!ask || !state) return;
    if (!("Notification" in window)) { state.textContent = ask.getAttribute("data-unsupported") || ""; return; }
    ask.hidden = Notification.permission !== "default";
    state.textContent = ask.getAttribute("data-" + Notification.permission) || "";
  }
  if (ask) {
    ask.addEventListener("click", function () {
      var done = Notification.requestPermission(show);
      if (done && done.then) done.then(show);
    });
    show();
  }
})();
