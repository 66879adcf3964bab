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

// Bulk actions on the list: "all on this page", how many are selected, and a confirmation in the bar
// itself ("Resolve 5 selected tickets?") before anything changes.
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) return;
  var all = document.getElementById("bulk-all");
  var count = document.getElementById("bulk-count");
  var apply = document.getElementById("bulk-apply");
  var box = document.getElementById("bulk-confirm-box");
  var question = document.getElementById("bulk-question");
  var confirmed = false;

  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("input.bulk-select")); }
  function chosen() { return boxes().filter(function (b) { return b.checked; }); }
  function fill(template, values) {
    Object.keys(values).forEach(function (k) { template = template.split("{" + k + "}").join(values[k]); });
    return template;
  }
  function hideQuestion() { if (box) box.hidden = true; }

  function sync() {
    var n = chosen().length, total = boxes().length;
    if (count) count.textContent = fill(form.getAttribute("data-count") || "{n} selected", { n: String(n) });
    if (all) {
      all.checked = total > 0 && n === total;
      all.indeterminate = n > 0 && n < total;
      all.disabled = total === 0;
    }
    if (apply) apply.disabled = n === 0;
    hideQuestion();
  }

  if (all) all.addEventListener("change", function () {
    boxes().forEach(function (b) { b.checked = all.checked; });
    sync();
  });
  document.addEventListener("change", function (ev) {
    if (ev.target === form || (ev.target.classList && ev.target.classList.contains("bulk-select")) ||
        (ev.target.form === form && ev.target !== all)) sync();
  });
  document.addEventListener("inbox:rows-replaced", sync);

  form.addEventListener("submit", function (ev) {
    if (confirmed) { confirmed = false; return; }
    ev.preventDefault();
    var n = chosen().length;
    if (!n || !box || !question) return;
    var action = form.elements.action.value;
    var who = form.elements.assignee_id;
    question.textContent = fill(form.getAttribute("data-ask-" + action) || "{n}?", {
      n: String(n),
      who: who && who.selectedIndex >= 0 ? who.options[who.selectedIndex].text : "",
      tag: form.elements.tag ? form.elements.tag.value.trim() : "",
    });
    box.hidden = false;
    document.getElementById("bulk-confirm").focus();
  });
  document.getElementById("bulk-confirm").addEventListener("click", function () {
    confirmed = true;
    hideQuestion();
    if (form.requestSubmit) form.requestSubmit(apply); else form.submit();
  });
  document.getElementById("bulk-cancel").addEventListener("click", function () {
    hideQuestion();
    if (apply) apply.focus();
  });
  sync();
})();
