// Keyboard shortcuts (the list in templates/base.html's #shortcuts dialog):
// j/k move, Enter opens, r reply, n note, e resolve, a assign to me, / search, ? this help, Esc leaves a field.
// Keys are ignored while typing and when Ctrl, Alt or Meta is held, so the browser's own shortcuts work.
(function () {
  "use strict";
  var dialog = document.getElementById("shortcuts");
  var opener = document.getElementById("shortcuts-open");

  function rowsBody() {
    return document.getElementById("ticket-rows");
  }

  function rows() {
    var body = rowsBody();
    return body ? Array.prototype.slice.call(body.querySelectorAll("tr.ticket-row")) : [];
  }

  function selectedRow() {
    var body = rowsBody();
    return body ? body.querySelector("tr.ticket-row.selected") : null;
  }

  function selectionKey() {
    return "inbox-selected:" + location.pathname + location.search;
  }

  function select(row, focus) {
    rows().forEach(function (r) {
      var on = r === row;
      r.classList.toggle("selected", on);
      r.setAttribute("aria-selected", on ? "true" : "false");
    });
    if (!row) return;
    try { sessionStorage.setItem(selectionKey(), row.getAttribute("data-ticket-id")); } catch (e) {}
    var link = row.querySelector("a.ticket-link");
    if (focus !== false && link) link.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    var all = rows();
    if (!all.length) return;
    var at = all.indexOf(selectedRow());
    var next = at < 0 ? 0 : Math.max(0, Math.min(all.length - 1, at + step));
    select(all[next]);
  }

  var NOT_TEXT = { checkbox: 1, radio: 1, button: 1, submit: 1, reset: 1, image: 1, range: 1, color: 1, file: 1 };

  function typing(el) {
    if (!el || el === document.body) return false;
    var tag = el.tagName;
    if (tag === "INPUT") return !NOT_TEXT[(el.type || "text").toLowerCase()];
    return tag === "TEXTAREA" || tag === "SELECT" || el.isContentEditable;
  }

  function focusField(id) {
    var field = document.getElementById(id);
    if (!field) return false;
    field.focus();
    field.scrollIntoView({ block: "nearest" });
    if (typeof field.setSelectionRange === "function" && field.type !== "search") {
      field.setSelectionRange(field.value.length, field.value.length);
    }
    return true;
  }

  function toggleHelp() {
    if (!dialog) return;
    if (dialog.open) dialog.close();
    else dialog.showModal();
  }

  // An action on the selected row of the list: the same POST the ticket page makes, with `next`
  // pointing back here; the answer is the list page itself, whose rows and message we take over.
  var acting = false;

  function actOnSelected(action) {
    var row = selectedRow();
    if (!row || acting) return false;
    var live = window.inboxLive;
    var id = row.getAttribute("data-ticket-id");
    if (!live || !/^\d+$/.test(id || "")) return false;
    acting = true;
    var body = new URLSearchParams();
    body.set("csrf_token", live.csrf);
    body.set("next", location.pathname + location.search);
    fetch("/tickets/" + id + "/" + action, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": live.csrf },
      body: body,
    })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("ticket-rows");
        live.showFlashes(doc);
        var counts = doc.querySelectorAll("nav.views .count");
        document.querySelectorAll("nav.views .count").forEach(function (span, i) {
          if (counts[i]) span.textContent = counts[i].textContent;
        });
        if (fresh) live.replaceRows(Array.prototype.slice.call(fresh.querySelectorAll("tr")));
        else location.reload();
      })
      .catch(function () {
        live.cue(live.t("reload_failed", "That did not work; reloading"));
        location.reload();
      })
      .then(function () { acting = false; });
    return true;
  }

  function openSelected() {
    var row = selectedRow();
    var link = row && row.querySelector("a.ticket-link");
    if (!link) return false;
    location.href = link.href;
    return true;
  }

  function clickIfThere(id) {
    var el = document.getElementById(id);
    if (!el || el.disabled) return false;
    el.click();
    return true;
  }

  function submitIfThere(id) {
    var form = document.getElementById(id);
    if (!form) return false;
    if (form.requestSubmit) form.requestSubmit();
    else form.submit();
    return true;
  }

  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.isComposing) return;
    var target = ev.target;
    if (ev.key === "Escape") {
      // an open dialog closes itself on Escape
      if (dialog && dialog.open) return;
      if (typing(target)) {
        target.blur();
        ev.preventDefault();
      }
      return;
    }
    if (ev.ctrlKey || ev.metaKey || ev.altKey || typing(target)) return;
    if (dialog && dialog.open) {
      if (ev.key === "?") { dialog.close(); ev.preventDefault(); }
      return;
    }
    var onLink = target && (target.tagName === "A" || target.tagName === "BUTTON");
    var handled = false;
    switch (ev.key) {
      case "j": move(1); handled = rows().length > 0; break;
      case "k": move(-1); handled = rows().length > 0; break;
      case "Enter":
        // a focused link or button does its own thing on Enter
        if (!onLink) handled = openSelected();
        break;
      case "r": handled = focusField("reply-text"); break;
      case "n": handled = focusField("note-text"); break;
      case "/": handled = focusField("search"); break;
      case "?": toggleHelp(); handled = !!dialog; break;
      case "e": handled = submitIfThere("resolve-form") || actOnSelected("resolve"); break;
      case "a": handled = clickIfThere("take-btn") || actOnSelected("take"); break;
    }
    if (handled) ev.preventDefault();
  });

  if (opener) opener.addEventListener("click", toggleHelp);

  // back on the list after opening a ticket (or after a reload): the same ticket is selected again
  var saved = null;
  try { saved = sessionStorage.getItem(selectionKey()); } catch (e) {}
  if (saved) {
    var again = rows().filter(function (r) { return r.getAttribute("data-ticket-id") === saved; })[0];
    if (again) select(again, false);
  }
  window.addEventListener("pageshow", function (ev) {
    if (!ev.persisted) return;
    var row = selectedRow();
    if (row) row.scrollIntoView({ block: "nearest" });
  });

  // A read-only field holding something to copy (a survey link, a new user's password) selects its whole
  // text when focused by keyboard or mouse (an inline onfocus would be blocked by the page's CSP).
  document.addEventListener("focusin", function (ev) {
    var el = ev.target;
    if (el && el.matches && el.matches("input.copy-link[readonly]")) el.select();
  });
})();
