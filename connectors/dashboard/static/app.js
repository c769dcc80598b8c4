// cronpilot dashboard: live updates and in-page actions. Plain JavaScript, no build step, no
// dependencies. Pages work without it (forms post and redirect); with it:
// - one EventSource per page receives changes pushed by the server; when one concerns what the
//   page shows, the page's <main> is fetched again and swapped in place (no reload, no polling);
//   the browser reconnects by itself after a server restart (the stream sets `retry`);
// - action buttons post with the CSRF token in a header and report the result in place.
"use strict";
(function () {
  var body = document.body;
  var csrf = body.getAttribute("data-csrf");
  var state = document.getElementById("live-state");
  var flash = document.getElementById("flash");

  function say(text, bad) {
    if (!flash) return;
    flash.textContent = text;
    flash.className = bad ? "bad" : "good";
    flash.hidden = false;
    clearTimeout(say.timer);
    say.timer = setTimeout(function () { flash.hidden = true; }, 6000);
  }

  // Sign-in page: press the button for the person (a link preview fetched by a chat app
  // runs no script, so it never uses the link up).
  var signin = document.getElementById("signin-form");
  if (signin && !signin.dataset.sent) { signin.dataset.sent = "1"; signin.submit(); }

  function watched(change) {
    var watch = body.getAttribute("data-watch") || "";
    if (watch === "all") return true;
    return watch.split(",").indexOf(String(change.task_id)) >= 0;
  }

  // A page watching every task sees a change at nearly every poll of a busy engine, and each
  // refresh is a page the server renders on the event loop it shares with the engine: so at
  // most one refresh per GAP ms, and none while the tab is in the background (it refreshes
  // when shown). 100 such pages rendered ~150 times a second and made fires late.
  var GAP = 500;
  var refreshing = false, again = false, timer = null, stale = false, lastStart = 0;
  function refresh() {
    if (document.hidden) { stale = true; return; }
    if (refreshing) { again = true; return; }
    refreshing = true;
    lastStart = Date.now();
    fetch(location.href, { credentials: "same-origin", headers: { "X-Live": "1" } })
      .then(function (r) {
        if (r.redirected || r.status === 401) { location.href = "/dashboard/signin"; return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (!html) return;
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("live"), here = document.getElementById("live");
        if (fresh && here) {
          here.replaceChildren.apply(here, Array.prototype.slice.call(fresh.childNodes).map(function (n) {
            return document.importNode(n, true);
          }));
          bindActions(here);
          bindLog(here);
          body.setAttribute("data-refreshed", String(Date.now()));
        }
      })
      .catch(function () {})
      .then(function () {
        refreshing = false;
        if (again) { again = false; schedule(); }
      });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, Math.max(100, lastStart + GAP - Date.now()));
  }
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && stale) { stale = false; schedule(); }
  });

  if (csrf && window.EventSource) {
    var lost = false;
    var source = new EventSource("/dashboard/events");
    source.addEventListener("open", function () {
      if (state) { state.textContent = "live"; state.className = "live-dot on"; }
      if (lost) { lost = false; schedule(); }  // changes made while away: show them now
    });
    source.addEventListener("error", function () {
      lost = true;
      if (state) { state.textContent = "reconnecting"; state.className = "live-dot off"; }
    });
    source.addEventListener("change", function (event) {
      var changes = JSON.parse(event.data);
      if (changes.some(watched)) schedule();
    });
    source.addEventListener("signedout", function () { location.href = "/dashboard/signin"; });
  }

  function bindActions(root) {
    Array.prototype.forEach.call(root.querySelectorAll("form[data-action]"), function (form) {
      if (form.dataset.bound) return;
      form.dataset.bound = "1";
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var question = form.getAttribute("data-confirm");
        if (question && !window.confirm(question)) return;
        var button = form.querySelector("button");
        if (button) button.disabled = true;
        fetch(form.action, {
          method: "POST", credentials: "same-origin",
          headers: { "X-CSRF-Token": csrf, "Accept": "application/json",
                     "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(new FormData(form)).toString()
        }).then(function (r) {
          return r.json().catch(function () { return { ok: false, error: "the server said " + r.status }; });
        }).then(function (result) {
          if (button) button.disabled = false;
          say(result.ok ? result.message : result.error, !result.ok);
          if (result.ok && /\/delete$/.test(form.action) && /\/tasks\/\d+$/.test(location.pathname)) {
            location.href = "/dashboard/";
          } else if (result.ok) {
            schedule();  // show what changed now (a role change is not in the run feed)
          }
        }).catch(function () {
          if (button) button.disabled = false;
          say("couldn't reach cronpilot; try again", true);
        });
      });
    });
  }
  // A running run's log: one stream for this run that sends what the engine appends (the
  // server reads the file; the browser only listens). The page's own refreshes keep what came.
  var log = { url: null, source: null, text: "", offset: 0, ended: false };
  function bindLog(root) {
    var el = root.querySelector("[data-log-stream]");
    if (!el) {
      if (log.source) { log.source.close(); log.source = null; }
      return;
    }
    var url = el.getAttribute("data-log-stream");
    if (log.url === url) { el.textContent = log.text; return; }
    if (log.source) log.source.close();
    log = { url: url, source: null, text: el.textContent, offset: 0, ended: false };
    if (!window.EventSource) return;
    var source = new EventSource(url + "?offset=0");
    log.source = source;
    source.addEventListener("log", function (event) {
      var chunk = JSON.parse(event.data);
      if (chunk.start !== log.offset) log.text = "";  // a big log: it starts at its tail
      log.text += chunk.text;
      log.offset = chunk.offset;
      var shown = document.querySelector("[data-log-stream]");
      if (shown) {
        var atEnd = shown.scrollHeight - shown.scrollTop - shown.clientHeight < 24;
        shown.textContent = log.text;
        if (atEnd) shown.scrollTop = shown.scrollHeight;
      }
      body.setAttribute("data-log-offset", String(log.offset));
    });
    source.addEventListener("end", function () {
      log.ended = true;
      source.close();
      var note = document.getElementById("log-state");
      if (note) note.textContent = "the run has ended";
      body.setAttribute("data-log-ended", "1");
    });
    source.addEventListener("signedout", function () { location.href = "/dashboard/signin"; });
  }
  bindActions(document);
  bindLog(document);
})();
