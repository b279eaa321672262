/* The invitation page (services/surveys/pages.py). Shipped with the service, loaded from it
   alone (the page's CSP allows no inline or foreign script).

   - An open link: the answers are sent as POST /v1/invitations/{token}/responses expects them
     (JSON: response_id, answers, profile), in the page's language (Accept-Language). One
     response_id per page load, so that sending again after a lost answer is a harmless replay.
     A 201 or 200 shows the thanks; an error shows the API's messages (422: each one beside
     its question, and a summary with links to them).
   - A pending link: checks again every Retry-After seconds (as JSON) and reloads the page once
     the link is active. */
(function () {
  "use strict";

  function uuid4() {
    var b = new Uint8Array(16);
    window.crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = "";
    for (var i = 0; i < 16; i++) {
      h += (b[i] + 0x100).toString(16).slice(1);
      if (i === 3 || i === 5 || i === 7 || i === 9) { h += "-"; }
    }
    return h;
  }

  function each(nodes, fn) { Array.prototype.forEach.call(nodes, fn); }

  function link() { return window.location.pathname.replace(/\/+$/, ""); }

  function answers(form) {
    var out = {};
    each(form.querySelectorAll(".q"), function (q) {
      var code = q.getAttribute("data-code");
      var kind = q.getAttribute("data-kind");
      if (kind === "text") {
        var text = q.querySelector("textarea").value.trim();
        if (text) { out[code] = text; }
      } else if (kind === "multi") {
        var chosen = [];
        each(q.querySelectorAll("input:checked"), function (i) { chosen.push(i.value); });
        if (chosen.length) { out[code] = chosen; }
      } else {
        var checked = q.querySelector("input:checked");
        if (checked) {
          out[code] = kind === "choice" ? checked.value : parseInt(checked.value, 10);
        }
      }
    });
    return out;
  }

  function profile(form) {
    var out = {};
    each(form.querySelectorAll("[data-profile]"), function (el) {
      var value = el.value.trim();
      if (value) { out[el.name] = el.getAttribute("data-profile") === "integer" ? Number(value) : value; }
    });
    return out;
  }

  /* The element of an error's field: "answers.U3" -> #q-U3, "profile.sex" -> #p-sex (item codes
     may hold dots; a deeper path, "answers.pick.1", falls back to its question). */
  function place(field) {
    var prefix = field.indexOf("answers.") === 0 ? "q-" : field.indexOf("profile.") === 0 ? "p-" : null;
    if (!prefix || !field) { return null; }
    var parts = field.slice(8).split(".");
    for (var n = parts.length; n > 0; n--) {
      var el = document.getElementById(prefix + parts.slice(0, n).join("."));
      if (el) { return el; }
    }
    return null;
  }

  function setup(form) {
    var problems = document.getElementById("problems");
    var list = problems.querySelector("ul");
    var title = problems.querySelector(".problems-title");
    var button = document.getElementById("send");
    var status = document.getElementById("status");
    var lang = form.getAttribute("data-lang");
    var responseId = uuid4();
    var busy = false;

    function clear() {
      each(form.querySelectorAll(".error"), function (e) { e.parentNode.removeChild(e); });
      each(form.querySelectorAll(".invalid"), function (el) { el.classList.remove("invalid"); });
      each(form.querySelectorAll("[data-described]"), function (el) {
        var described = el.getAttribute("data-described");
        if (described) { el.setAttribute("aria-describedby", described); } else { el.removeAttribute("aria-describedby"); }
        el.removeAttribute("data-described");
      });
      each(form.querySelectorAll("[aria-invalid]"), function (i) { i.removeAttribute("aria-invalid"); });
      list.textContent = "";
      problems.hidden = true;
    }

    /* The API's message beside the question (or profile field) it is about. */
    function mark(el, message, index) {
      var id = "e-" + index;
      var p = document.createElement("p");
      p.className = "error";
      p.id = id;
      p.textContent = message;
      var before = el.querySelector(".options, textarea, select, input");
      el.insertBefore(p, before && before.parentNode === el ? before : null);
      el.classList.add("invalid");
      var target = el.tagName === "FIELDSET" ? el : el.querySelector("textarea, select, input");
      var described = target.getAttribute("aria-describedby") || "";
      if (!target.hasAttribute("data-described")) { target.setAttribute("data-described", described); }
      target.setAttribute("aria-describedby", (described + " " + id).trim());
      each(el.querySelectorAll("input, select, textarea"), function (i) { i.setAttribute("aria-invalid", "true"); });
    }

    function summary(heading, items) {
      title.textContent = heading;
      each(items, function (item) {
        var li = document.createElement("li");
        if (item.el) {
          var a = document.createElement("a");
          a.href = "#" + item.el.id;
          a.textContent = item.text;
          a.addEventListener("click", function (ev) {
            ev.preventDefault();
            var input = item.el.querySelector("input, select, textarea");
            item.el.scrollIntoView({ block: "center" });
            if (input) { input.focus(); }
          });
          li.appendChild(a);
        } else {
          li.textContent = item.text;
        }
        list.appendChild(li);
      });
      problems.hidden = false;
      problems.focus();
    }

    function refused(code, data) {
      var fields = (data && data.fields) || [];
      var detail = (data && data.detail) || form.getAttribute("data-failed");
      if (code === 422 && fields.length) {
        var items = [];
        each(fields, function (f, i) {
          var el = place(f.field || "");
          if (el) {
            mark(el, f.message, i);
            items.push({ el: el, text: el.getAttribute("data-label") + ": " + f.message });
          } else {
            items.push({ el: null, text: f.message });
          }
        });
        summary(form.getAttribute("data-errors"), items);
        return;
      }
      if (code === 410) { button.disabled = true; button.hidden = true; }
      summary(detail, []);
    }

    function thanks() {
      document.getElementById("answering").hidden = true;
      var done = document.getElementById("thanks");
      done.hidden = false;
      done.focus();
      window.scrollTo(0, 0);
    }

    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      if (busy) { return; }
      busy = true;
      button.disabled = true;
      status.textContent = form.getAttribute("data-sending");
      clear();
      var body = { response_id: responseId, answers: answers(form), profile: profile(form) };
      window.fetch(link() + "/responses", {
        method: "POST", credentials: "omit", cache: "no-store",
        headers: { "Content-Type": "application/json", "Accept": "application/json",
                   "Accept-Language": lang },
        body: JSON.stringify(body)
      }).then(function (r) {
        return r.json().then(function (data) { return [r.status, data]; },
                             function () { return [r.status, null]; });
      }).then(function (answer) {
        busy = false;
        status.textContent = "";
        if (answer[0] === 201 || answer[0] === 200) { thanks(); return; }
        if (answer[0] !== 410) { button.disabled = false; }
        refused(answer[0], answer[1]);
      }, function () {
        busy = false;
        status.textContent = "";
        button.disabled = false;
        summary(form.getAttribute("data-network"), []);
      });
    });
  }

  function wait(pending) {
    var every = Math.max(5, parseInt(pending.getAttribute("data-retry"), 10) || 30) * 1000;
    var tries = 0;
    function check() {
      tries += 1;
      window.fetch(link(), { headers: { "Accept": "application/json" }, credentials: "omit",
                             cache: "no-store" })
        .then(function (r) {
          if (r.status === 200) { window.location.reload(); } else if (tries < 20) { window.setTimeout(check, every); }
        }, function () { if (tries < 20) { window.setTimeout(check, every); } });
    }
    window.setTimeout(check, every);
  }

  var form = document.getElementById("survey");
  if (form) { setup(form); }
  var pending = document.getElementById("pending");
  if (pending) { wait(pending); }
}());
