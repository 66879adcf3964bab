// Live updates: the list re-fetches its rows when tickets change, the ticket page refreshes its thread
// and says who else is there. Fed by GET /events (Server-Sent Events from the Redis channel).
// Everything shown comes from our own server; anything with user text goes in via textContent or
// server-rendered (escaped) HTML, never built from strings here.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="csrf-token"]');
  var csrf = meta ? meta.content : "";
  var rows = document.getElementById("ticket-rows");
  var listPage = rows || document.querySelector("nav.views");
  var ticketEl = document.getElementById("ticket");
  var ticketId = ticketEl ? parseInt(ticketEl.getAttribute("data-ticket-id"), 10) : null;
  var REFRESH_GAP_MS = 1000;
  var bell = document.getElementById("bell");
  var STRINGS = {};
  try {
    var holder = document.getElementById("inbox-strings");
    STRINGS = JSON.parse((holder && holder.getAttribute("data-strings")) || "{}");
  } catch (e) { STRINGS = {}; }
  function t(key, fallback, values) {
    var text = STRINGS[key] || fallback;
    Object.keys(values || {}).forEach(function (name) { text = text.split("{" + name + "}").join(values[name]); });
    return text;
  }
  var HIDDEN_CLOSE_MS = 30000;
  var PRESENCE_EVERY_MS = 10000;

  // ---- small helpers -------------------------------------------------------------------------------
  function cue(text, where) {
    var el = document.getElementById("live-cue");
    if (!el) {
      el = document.createElement("p");
      el.id = "live-cue";
      el.setAttribute("role", "status");
      el.className = "live-cue";
      (where || document.getElementById("main") || document.body).prepend(el);
    }
    el.textContent = text;
    el.classList.add("shown");
    clearTimeout(cue.timer);
    cue.timer = setTimeout(function () { el.classList.remove("shown"); }, 2500);
  }

  function showFlashes(doc) {
    // the outcome of an action done by keyboard from the list (see keys.js), as the server said it
    var main = document.getElementById("main");
    if (!main) return;
    main.querySelectorAll("p.flash").forEach(function (p) { p.remove(); });
    var flashes = doc.querySelectorAll("#main p.flash");
    for (var i = flashes.length - 1; i >= 0; i--) main.prepend(document.importNode(flashes[i], true));
  }

  function parseHtml(html) {
    return new DOMParser().parseFromString(html, "text/html");
  }

  function rowId(row) {
    return row ? row.getAttribute("data-ticket-id") : null;
  }

  // ---- the list ------------------------------------------------------------------------------------
  var changed = {}; // ticket ids announced since the last refresh, to highlight their rows
  var lastHtml = null;

  function currentRows() {
    return rows ? Array.prototype.slice.call(rows.querySelectorAll("tr.ticket-row")) : [];
  }

  // Replace the rows, keeping the keyboard selection, the checked bulk boxes and the focus.
  function replaceRows(newRows, keepIndex) {
    if (!rows) return;
    var old = currentRows();
    var selected = rows.querySelector("tr.ticket-row.selected");
    var selectedId = rowId(selected);
    var selectedIndex = selected ? old.indexOf(selected) : -1;
    var checked = {};
    rows.querySelectorAll("input.bulk-select:checked").forEach(function (box) { checked[box.value] = true; });
    var active = document.activeElement;
    var focusRow = active && rows.contains(active) ? active.closest("tr.ticket-row") : null;
    var focusId = rowId(focusRow);
    var focusClass = active && focusRow ? (active.classList.contains("bulk-select") ? "input.bulk-select" : "a.ticket-link") : null;

    var fragment = document.createDocumentFragment();
    newRows.forEach(function (row) { fragment.appendChild(document.importNode(row, true)); });
    rows.replaceChildren(fragment);

    var fresh = currentRows();
    var byId = {};
    fresh.forEach(function (row) {
      var id = rowId(row);
      byId[id] = row;
      var box = row.querySelector("input.bulk-select");
      if (box && checked[box.value]) box.checked = true;
      if (changed[id]) {
        row.classList.add("live-changed");
        setTimeout(function () { row.classList.remove("live-changed"); }, 2000);
      }
    });
    changed = {};
    var toSelect = byId[selectedId];
    if (!toSelect && selectedIndex >= 0 && keepIndex !== false && fresh.length) {
      // the selected ticket left this view (resolved, taken): the one that took its place
      toSelect = fresh[Math.min(selectedIndex, fresh.length - 1)];
    }
    fresh.forEach(function (row) {
      var on = row === toSelect;
      row.classList.toggle("selected", on);
      row.setAttribute("aria-selected", on ? "true" : "false");
    });
    var refocus = focusId && byId[focusId] ? byId[focusId].querySelector(focusClass) : null;
    if (!refocus && focusRow && toSelect) refocus = toSelect.querySelector("a.ticket-link");
    if (refocus) refocus.focus({ preventScroll: true });
    document.dispatchEvent(new CustomEvent("inbox:rows-replaced"));
    var bulkSync = document.querySelector("#bulk-form");
    if (bulkSync) bulkSync.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function rowsFromHtml(html) {
    // a <template> parses bare <tr> elements without a table around them
    var template = document.createElement("template");
    template.innerHTML = html;
    var wrapper = template.content.querySelector("#ticket-rows");
    var scope = wrapper || template.content;
    // every row, including the "No tickets here" one an empty view shows
    return Array.prototype.slice.call(scope.querySelectorAll("tr"));
  }

  // the fragment's headers carry the tab counts and the next-page link, so the page stays in step
  function updateCounts(raw) {
    var counts;
    try { counts = JSON.parse(raw || "null"); } catch (e) { return; }
    if (!counts || typeof counts !== "object") return;
    document.querySelectorAll("nav.views a[data-view]").forEach(function (tab) {
      var value = counts[tab.getAttribute("data-view")];
      var span = tab.querySelector(".count");
      if (span && (typeof value === "number" || typeof value === "string")) span.textContent = String(value);
    });
  }

  function updateNext(url) {
    var pager = document.querySelector("nav.pager");
    if (!pager || url === null) return;
    var link = pager.querySelector('a[rel="next"]');
    // only our own relative links, never whatever a header might hold
    if (url && url.charAt(0) === "/" && url.charAt(1) !== "/") {
      if (!link) {
        link = document.createElement("a");
        link.rel = "next";
        link.textContent = t("next_page", "Next page \u2192");
        pager.appendChild(link);
      }
      link.setAttribute("href", url);
    } else if (link) {
      link.remove();
    }
  }

  var inFlight = false;
  var again = false;
  var lastRefresh = 0;
  var refreshTimer = null;

  function refreshRows() {
    if (inFlight) { again = true; return; }
    var wait = lastRefresh + REFRESH_GAP_MS - Date.now();
    if (wait > 0) {
      if (!refreshTimer) refreshTimer = setTimeout(function () { refreshTimer = null; refreshRows(); }, wait);
      return;
    }
    inFlight = true;
    lastRefresh = Date.now();
    fetch(location.href, { headers: { "X-Inbox-Fragment": "rows" }, credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || response.redirected || type.indexOf("text/html") !== 0) throw new Error("no rows");
        updateCounts(response.headers.get("X-Inbox-Counts"));
        updateNext(response.headers.get("X-Inbox-Next"));
        return response.text();
      })
      .then(function (html) {
        if (html === lastHtml) return;
        lastHtml = html;
        if (!rows) {
          // no table to fill in on this page: offer a reload
          if (rowsFromHtml(html).some(function (r) { return r.classList.contains("ticket-row"); })) {
            showBanner(t("new_in_view", "New tickets in this view"), t("show_them", "Show them"));
          }
          return;
        }
        replaceRows(rowsFromHtml(html));
        cue(t("updated", "Updated"));
      })
      .catch(function () { /* the next event or reconnect tries again */ })
      .then(function () {
        inFlight = false;
        if (again) { again = false; refreshRows(); }
      });
  }

  // ---- the ticket page ----------------------------------------------------------------------------
  function saveDrafts() {
    ["reply-text", "note-text"].forEach(function (id) {
      var box = document.getElementById(id);
      if (box && box.value.trim()) sessionStorage.setItem("inbox-draft:" + ticketId + ":" + id, box.value);
    });
  }

  function restoreDrafts() {
    ["reply-text", "note-text"].forEach(function (id) {
      var key = "inbox-draft:" + ticketId + ":" + id;
      var saved = sessionStorage.getItem(key);
      var box = document.getElementById(id);
      sessionStorage.removeItem(key);
      if (saved && box && !box.value.trim()) {
        box.value = saved;
        box.dispatchEvent(new Event("input", { bubbles: true }));
      }
    });
  }

  function showBanner(text, linkText) {
    var banner = document.getElementById("live-banner");
    if (!banner) {
      banner = document.createElement("div");
      banner.id = "live-banner";
      banner.className = "live-banner";
      banner.setAttribute("role", "status");
      var span = document.createElement("span");
      var link = document.createElement("a");
      link.href = location.href;
      link.addEventListener("click", function (ev) {
        ev.preventDefault();
        if (ticketId) saveDrafts();
        location.reload();
      });
      banner.appendChild(span);
      banner.appendChild(document.createTextNode(" — "));
      banner.appendChild(link);
      var anchor = ticketEl || document.getElementById("main") || document.body;
      anchor.prepend(banner);
    }
    banner.firstChild.textContent = text;
    banner.querySelector("a").textContent = linkText || t("reload", "reload");
  }

  function signature(el) {
    return el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  }

  var ticketBusy = false;
  var ticketAgain = false;

  function refreshTicket() {
    if (ticketBusy) { ticketAgain = true; return; }
    ticketBusy = true;
    fetch(location.pathname, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (!response.ok || response.redirected) throw new Error("no page");
        return response.text();
      })
      .then(function (html) {
        var doc = parseHtml(html);
        var thread = document.getElementById("thread");
        var newThread = doc.getElementById("thread");
        var threadChanged = thread && newThread && signature(thread) !== signature(newThread);
        if (threadChanged) {
          var seen = {};
          thread.querySelectorAll("li[id]").forEach(function (li) { seen[li.id] = true; });
          var fragment = document.createDocumentFragment();
          Array.prototype.forEach.call(newThread.children, function (li) {
            var copy = document.importNode(li, true);
            if (copy.id && !seen[copy.id]) copy.classList.add("live-changed");
            fragment.appendChild(copy);
          });
          thread.replaceChildren(fragment);
        }
        // status, assignee, priority, SLA and the action buttons are not patched in place
        var head = document.querySelector(".ticket-head .ticket-facts");
        var newHead = doc.querySelector(".ticket-head .ticket-facts");
        var headChanged = head && newHead && signature(head) !== signature(newHead);
        if (headChanged) showBanner(t("new_activity", "New activity on this ticket"), t("reload", "reload"));
        else if (threadChanged) cue(t("new_in_thread", "New activity in the thread"), ticketEl);
      })
      .catch(function () {})
      .then(function () {
        ticketBusy = false;
        if (ticketAgain) { ticketAgain = false; setTimeout(refreshTicket, REFRESH_GAP_MS); }
      });
  }

  // ---- presence -------------------------------------------------------------------------------------
  var presenceBox = document.getElementById("presence");
  var replyBox = document.getElementById("reply-text");
  var replyForm = document.getElementById("reply-form");
  var others = [];
  var postedState = null;
  var presenceTimer = null;

  function presenceUrl() {
    return "/tickets/" + ticketId + "/presence";
  }

  function myState() {
    if (replyBox && (document.activeElement === replyBox || replyBox.value.trim())) return "replying";
    return "viewing";
  }

  function renderPresence(list) {
    others = list || [];
    if (!presenceBox) return;
    presenceBox.replaceChildren();
    var replying = others.filter(function (p) { return p.state === "replying"; });
    var viewing = others.filter(function (p) { return p.state !== "replying"; });
    replying.forEach(function (p) {
      var line = document.createElement("p");
      line.className = "presence-replying";
      line.textContent = t("is_replying", "{name} is replying to this ticket", { name: p.name });
      presenceBox.appendChild(line);
    });
    if (viewing.length) {
      var names = viewing.map(function (p) { return p.name; });
      var who = names.length === 1 ? names[0] : names.slice(0, -1).join(", ") + " " + t("and", "and") + " " + names[names.length - 1];
      var line = document.createElement("p");
      line.className = "presence-viewing";
      line.textContent = names.length === 1 ? t("is_viewing", "{names} is viewing this ticket", { names: who })
        : t("are_viewing", "{names} are viewing this ticket", { names: who });
      presenceBox.appendChild(line);
    }
  }

  function postPresence(state, keepalive) {
    postedState = state;
    return fetch(presenceUrl(), {
      method: "POST",
      credentials: "same-origin",
      keepalive: !!keepalive,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify({ state: state }),
    }).then(function (response) {
      if (!response.ok) throw new Error("presence " + response.status);
      return response.json();
    }).then(function (data) {
      renderPresence(data.others);
      return data.others;
    });
  }

  function presenceTick() {
    clearTimeout(presenceTimer);
    var state = myState();
    // a background tab is not "viewing"; a draft waiting in one still means "replying"
    if (!document.hidden || state === "replying") postPresence(state).catch(function () {});
    presenceTimer = setTimeout(presenceTick, PRESENCE_EVERY_MS);
  }

  function presenceChanged() {
    if (myState() !== postedState) presenceTick();
  }

  function refreshPresence() {
    fetch(presenceUrl(), { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { if (response.ok) return response.json(); })
      .then(function (data) { if (data) renderPresence(data.others); })
      .catch(function () {});
  }

  function othersReplying() {
    // asked fresh at send time: someone may have started typing since the last heartbeat
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, 1500) : null;
    return fetch(presenceUrl(), { credentials: "same-origin", cache: "no-store", signal: controller ? controller.signal : undefined })
      .then(function (response) { return response.ok ? response.json() : { others: others }; })
      .then(function (data) { renderPresence(data.others); return data.others; })
      .catch(function () { return others; })
      .then(function (list) {
        clearTimeout(timer);
        return (list || []).filter(function (p) { return p.state === "replying"; });
      });
  }

  function guardReply() {
    if (!replyForm) return;
    var confirmed = false;
    var checking = false;
    replyForm.addEventListener("submit", function (ev) {
      if (confirmed) { confirmed = false; return; }
      ev.preventDefault();
      if (checking) return; // a second click while we ask must not send the reply twice
      checking = true;
      var submitter = ev.submitter;
      othersReplying().then(function (replying) {
        checking = false;
        if (replying.length) {
          var names = replying.map(function (p) { return p.name; }).join(", ");
          if (!window.confirm(t("reply_too", "Someone else ({names}) is replying to this ticket too. Send your reply anyway?", { names: names }))) {
            if (replyBox) replyBox.focus();
            return;
          }
        }
        confirmed = true;
        if (replyForm.requestSubmit) replyForm.requestSubmit(submitter && replyForm.contains(submitter) ? submitter : undefined);
        else replyForm.submit();
      });
    });
  }

  function startPresence() {
    if (!ticketId) return;
    presenceTick();
    if (replyBox) {
      replyBox.addEventListener("focus", presenceChanged);
      replyBox.addEventListener("blur", presenceChanged);
      replyBox.addEventListener("input", presenceChanged);
    }
    document.addEventListener("visibilitychange", function () { if (!document.hidden) presenceTick(); });
    window.addEventListener("pagehide", function () {
      clearTimeout(presenceTimer);
      postPresence("left", true).catch(function () {});
    });
    window.addEventListener("pageshow", function (ev) { if (ev.persisted) presenceTick(); });
    guardReply();
  }

  // ---- the event stream -----------------------------------------------------------------------------
  var source = null;
  var backoff = 5000;
  var hiddenTimer = null;
  var reconnectTimer = null;

  var staleWhileHidden = false;

  function onTicketEvent(ev) {
    var data;
    try { data = JSON.parse(ev.data); } catch (e) { return; }
    var id = data.ticket_id;
    var mine = ticketId && (id === ticketId || data.kind === "missed");
    if (listPage && id !== null && id !== undefined) changed[String(id)] = true;
    if (!listPage && !mine) return;
    // nobody is looking: one refresh when the tab is shown again instead of one per change
    if (document.hidden) { staleWhileHidden = true; return; }
    if (listPage) refreshRows();
    if (mine) refreshTicket();
  }

  function onPresenceEvent(ev) {
    var data;
    try { data = JSON.parse(ev.data); } catch (e) { return; }
    if (ticketId && data.ticket_id === ticketId) refreshPresence();
  }

  // ---- the bell and browser notifications -----------------------------------------------------------
  var shownNotices = {};

  function setBell(unread) {
    if (!bell || typeof unread !== "number") return;
    var badge = document.getElementById("bell-count");
    if (badge) {
      badge.textContent = String(unread);
      badge.hidden = unread <= 0;
    }
    var label = bell.getAttribute("data-label");
    if (label) bell.setAttribute("aria-label", label.split("{count}").join(String(unread)));
    bell.classList.remove("rang");
    void bell.offsetWidth; // restart the animation
    bell.classList.add("rang");
  }

  function wanted(kind) {
    var kinds = ((bell && bell.getAttribute("data-notify")) || "").split(" ");
    return kinds.indexOf(kind) >= 0;
  }

  // a notice in the page's language from its key and parameters; the stored English text when unknown
  function noticeText(item) {
    var id = String(item.ticket_id), target = item.target ? t("target_" + item.target, item.target) : "";
    if (item.kind === "assigned" && item.by !== undefined) return t("notice_assigned", item.text, { id: id, name: item.by || "?" });
    if (item.kind === "sla_at_risk" && target) return t("notice_at_risk", item.text, { id: id, target: target });
    if (item.kind === "sla_breach" && target) return t("notice_breached", item.text, { id: id, target: target });
    return item.text;
  }

  function popUp(item, more) {
    if (!("Notification" in window) || Notification.permission !== "granted" || !wanted(item.kind)) return;
    var titles = { assigned: t("title_assigned", "Assigned to you"), sla_at_risk: t("title_at_risk", "At risk"),
                   sla_breach: t("title_breached", "SLA breached") };
    var body = noticeText(item) + (more ? " " + t("and_more", "(and {n} more)", { n: String(more) }) : "");
    try {
      var notice = new Notification(titles[item.kind] || t("new_notification", "New notification"),
                                    { body: body, tag: "inbox-notification-" + item.id, icon: "/static/favicon.svg" });
      notice.onclick = function () {
        window.focus();
        if (typeof item.ticket_id === "number") location.href = "/tickets/" + item.ticket_id;
        notice.close();
      };
    } catch (e) { /* a browser that allows notifications only from a service worker */ }
  }

  function onNotificationEvent(ev) {
    var data;
    try { data = JSON.parse(ev.data); } catch (e) { return; }
    if (!data || typeof data !== "object") return;
    setBell(data.unread);
    var fresh = (data.items || []).filter(function (item) {
      if (!item || typeof item.id !== "number" || shownNotices[item.id]) return false;
      shownNotices[item.id] = true;
      return true;
    });
    var popping = fresh.filter(function (item) { return wanted(item.kind); });
    if (popping.length) popUp(popping[0], popping.length - 1 + (data.more || 0));
    if (fresh.length) cue(fresh[0].text);
  }

  function catchUp() {
    // a stream we opened ourselves carries no Last-Event-ID, so anything in between is fetched now
    if (listPage) refreshRows();
    if (ticketId) refreshTicket();
  }

  function connect(afterGap) {
    if (source || !window.EventSource) return;
    source = new EventSource("/events");
    source.addEventListener("ticket", onTicketEvent);
    source.addEventListener("presence", onPresenceEvent);
    source.addEventListener("notification", onNotificationEvent);
    // this user signed out elsewhere, changed their password or was deactivated: the page asks to sign in
    source.addEventListener("signed_out", function () { disconnect(); location.reload(); });
    source.addEventListener("open", function () { backoff = 5000; });
    source.addEventListener("error", function () {
      // the browser retries by itself unless the answer was not a stream (signed out, 503)
      if (source && source.readyState === EventSource.CLOSED) {
        source = null;
        clearTimeout(reconnectTimer);
        reconnectTimer = setTimeout(function () { connect(true); }, backoff);
        backoff = Math.min(backoff * 2, 60000);
      }
    });
    if (afterGap) catchUp();
  }

  function disconnect() {
    if (source) { source.close(); source = null; }
  }

  function startStream() {
    // every signed-in page listens: its bell counts what arrives
    if (!listPage && !ticketId && !bell) return;
    connect(false);
    // a background tab gives its server thread back; it catches up when it is looked at again
    document.addEventListener("visibilitychange", function () {
      clearTimeout(hiddenTimer);
      if (document.hidden) hiddenTimer = setTimeout(disconnect, HIDDEN_CLOSE_MS);
      else if (!source) { staleWhileHidden = false; clearTimeout(reconnectTimer); connect(true); }
      else if (staleWhileHidden) { staleWhileHidden = false; catchUp(); }
    });
    window.addEventListener("pagehide", disconnect);
    window.addEventListener("pageshow", function (ev) { if (ev.persisted && !source) connect(true); });
  }

  window.inboxLive = {
    csrf: csrf,
    refreshRows: refreshRows,
    replaceRows: replaceRows,
    showFlashes: showFlashes,
    cue: cue,
    t: t,
  };

  if (ticketId) restoreDrafts();
  startPresence();
  startStream();
})();
