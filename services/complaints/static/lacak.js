/* The citizen tracking page: code and token from the URL fragment (never sent to a server),
   the token kept in localStorage under the code, /v1/track/{code} called with it. */
(function () {
  "use strict";
  var L = JSON.parse(document.getElementById("labels").textContent);
  var lang = document.documentElement.lang;
  var KEY = "suara.track.";
  var $ = function (id) { return document.getElementById(id); };
  var code = null, token = null;

  function fmt(iso) {
    return new Intl.DateTimeFormat(L.locale, {dateStyle: "long", timeStyle: "short",
      timeZone: "Asia/Jakarta"}).format(new Date(iso));
  }
  function notice(text, ok) { $("notice").textContent = text; $("notice").className = ok ? "ok" : ""; }
  function saved(c) { try { return localStorage.getItem(KEY + c); } catch (e) { return null; } }
  function keep(c, t) { try { localStorage.setItem(KEY + c, t); } catch (e) { /* private mode */ } }
  function showLookup() {
    $("complaint").hidden = true; $("lookup").hidden = false;
    if (code) { $("f-code").value = code; }
  }
  function problem(r, body) {
    if (r.status === 401 || r.status === 404) { notice(L.wrong); showLookup(); return; }
    var text = (body && body.detail) || String(r.status);
    ((body && body.fields) || []).forEach(function (f) { text += "\n" + f.field + ": " + f.message; });
    notice(text);
  }
  function call(path, body) {
    var headers = {"X-Tracking-Token": token, "Accept-Language": lang, "Accept": "application/json"};
    var init = {method: body === undefined ? "GET" : "POST", headers: headers, cache: "no-store", credentials: "omit"};
    if (body !== undefined) { headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch("/v1/track/" + encodeURIComponent(code) + path, init).then(function (r) {
      return r.json().catch(function () { return null; }).then(function (data) {
        if (!r.ok) { problem(r, data); return null; }
        return data;
      });
    }, function () { notice(L.network); return null; });
  }
  function item(list, text) { var li = document.createElement("li"); li.textContent = text; list.appendChild(li); }
  function render(v) {
    $("lookup").hidden = true; $("complaint").hidden = false;
    $("c-title").textContent = v.title; $("c-code").textContent = v.tracking_code;
    $("c-status").textContent = L.status[v.status] || v.status; $("c-filed").textContent = fmt(v.filed_at);
    var rej = $("c-rejection"); rej.hidden = !v.rejection;
    if (v.rejection) { rej.querySelector("span").textContent = L.reason[v.rejection.reason] || v.rejection.reason; }
    $("c-rating").hidden = v.rating == null; $("c-rating").textContent = L.rating + ": " + v.rating + "/5";
    var replies = $("c-replies"); replies.textContent = "";
    v.replies.forEach(function (m) { item(replies, fmt(m.at) + " · " + (L.role[m.author_role] || m.author_role) + "\n" + m.body); });
    if (!v.replies.length) { item(replies, L.no_replies); }
    var tl = $("c-timeline"); tl.textContent = "";
    v.timeline.forEach(function (a) {
      var what = L.action[a.action] || a.action, status = L.status[a.to_status] || a.to_status;
      item(tl, fmt(a.at) + " · " + what + (a.from_status && a.from_status !== a.to_status ? " → " + status : ""));
    });
    document.querySelectorAll("form[data-action]").forEach(function (f) { f.hidden = v.can.indexOf(f.dataset.action) < 0; });
  }
  function load(focusRate) {
    call("").then(function (v) {
      if (!v) { return; }
      render(v);
      if (focusRate && !$("form-rate").hidden) {
        $("form-rate").scrollIntoView(); $("form-rate").querySelector("input").focus();
      }
    });
  }
  function start() {
    var p = new URLSearchParams(location.hash.slice(1));
    code = (p.get("c") || "").trim().toUpperCase() || null;
    var t = p.get("t");
    if (code && t) {
      keep(code, t); p.delete("t");
      history.replaceState(null, "", location.pathname + location.search + "#" + p.toString());
    }
    token = code ? saved(code) : null;
    if (code) { $("lang-switch").href += "#c=" + encodeURIComponent(code); }
    if (!code || !token) { showLookup(); return; }
    load(p.get("do") === "rate");
  }
  $("lookup-form").addEventListener("submit", function (e) {
    e.preventDefault();
    code = $("f-code").value.trim().toUpperCase(); token = $("f-token").value.trim();
    keep(code, token); history.replaceState(null, "", location.pathname + location.search + "#c=" + encodeURIComponent(code));
    notice(""); load(false);
  });
  document.querySelectorAll("form[data-action]").forEach(function (f) {
    f.addEventListener("submit", function (e) {
      e.preventDefault();
      var a = f.dataset.action, body = {};
      if (a === "reply") { body.body = f.elements.body.value; }
      if (a === "reopen") { body.reason = f.elements.reason.value; }
      if (a === "rate") {
        body.score = Number(f.querySelector("input[name=score]:checked").value);
        if (f.elements.comment.value.trim()) { body.comment = f.elements.comment.value; }
      }
      call(a === "close" ? "/accept" : "/" + a, body).then(function (v) {
        if (v) { f.reset(); render(v); notice(L.done, true); }
      });
    });
  });
  $("forget").addEventListener("click", function () {
    try { localStorage.removeItem(KEY + code); } catch (e) { /* nothing kept */ }
    token = null; history.replaceState(null, "", location.pathname + location.search);
    showLookup(); notice(L.forgotten, true);
  });
  start();
}());
