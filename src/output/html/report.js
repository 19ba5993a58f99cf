// payload-triage HTML report: builds the table of diagnostics from the JSON block
// (#data) and filters it by text, code and severity. The filter lives in the URL
// fragment (#code=…&severity=…&q=…), so a filtered view can be linked to.
// Data enters the page through textContent and setAttribute only, never as markup.
// Any error is caught and written into #errors.
(function () {
  "use strict";
  var PAGE = 500; // rows drawn at a time; "Show more" draws the next ones

  function byId(id) {
    var node = document.getElementById(id);
    if (!node) throw new Error("missing element #" + id);
    return node;
  }

  // 1234567 as "1,234,567", as the static part of the page writes numbers.
  function group(n) {
    return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function fail(message) {
    var box = document.getElementById("errors");
    if (!box) return;
    var p = document.createElement("p");
    p.textContent = "Script error: " + message;
    box.appendChild(p);
  }

  window.addEventListener("error", function (event) {
    fail(event.message || "unknown error");
  });

  function main() {
    var data = JSON.parse(byId("data").textContent);
    var table = document.getElementById("rows");
    if (!table) {
      // No invalid payload: nothing to build.
      document.body.setAttribute("data-rendered", "1");
      return;
    }
    var tbody = byId("rows-body");
    var text = byId("filter-text");
    var code = byId("filter-code");
    var severity = byId("filter-severity");
    var shown = byId("shown");
    var more = byId("more");
    var form = byId("filters");

    // One entry per diagnostic, in input order.
    var rows = [];
    var codes = {};
    data.payloads.forEach(function (payload, index) {
      payload.d.forEach(function (d, k) {
        rows.push({ payload: payload, index: index, first: k === 0, d: d });
        codes[d[1]] = true;
      });
    });
    Object.keys(codes).sort().forEach(function (name) {
      addOption(code, name);
    });

    function addOption(select, value) {
      var option = document.createElement("option");
      option.value = value;
      option.textContent = value;
      select.appendChild(option);
    }

    function choose(select, value) {
      var found = Array.prototype.some.call(select.options, function (o) {
        return o.value === value;
      });
      // A code that no listed row has still filters (to nothing), honestly.
      if (!found) addOption(select, value);
      select.value = value;
    }

    function readFragment() {
      var params = new URLSearchParams(location.hash.replace(/^#/, ""));
      text.value = params.get("q") || "";
      choose(code, params.get("code") || "");
      choose(severity, params.get("severity") || "");
    }

    function writeFragment() {
      var params = new URLSearchParams();
      if (text.value) params.set("q", text.value);
      if (code.value) params.set("code", code.value);
      if (severity.value) params.set("severity", severity.value);
      var fragment = params.toString();
      try {
        history.replaceState(null, "", fragment ? "#" + fragment : location.pathname + location.search);
      } catch (e) {
        // Some browsers refuse history changes on file:// pages; the filter still works.
      }
    }

    var matches = [];
    var drawn = 0;

    function apply() {
      var needle = text.value.trim().toLowerCase();
      var wantCode = code.value;
      var wantSeverity = severity.value;
      matches = rows.filter(function (r) {
        if (wantCode && r.d[1] !== wantCode) return false;
        if (wantSeverity && r.d[0] !== wantSeverity) return false;
        if (!needle) return true;
        return (
          r.payload.s.toLowerCase().indexOf(needle) >= 0 ||
          r.d[1].toLowerCase().indexOf(needle) >= 0 ||
          r.d[4].toLowerCase().indexOf(needle) >= 0
        );
      });
      table.setAttribute("data-code", wantCode);
      table.setAttribute("data-severity", wantSeverity);
      table.setAttribute("data-q", needle);
      table.setAttribute("data-matches", String(matches.length));
      tbody.textContent = "";
      drawn = 0;
      draw();
    }

    function cell(tr, className, value) {
      var td = document.createElement("td");
      if (className) td.className = className;
      if (value !== undefined) td.textContent = value;
      tr.appendChild(td);
      return td;
    }

    function makeRow(r, previous) {
      var d = r.d;
      var tr = document.createElement("tr");
      tr.className = "sev-" + d[0] + (d[4] ? " embedded" : "");
      var sameAsAbove = previous && previous.index === r.index;
      if (sameAsAbove) tr.className += " cont";
      tr.setAttribute("data-code", d[1]);
      tr.setAttribute("data-severity", d[0]);
      var src = cell(tr, "src");
      var name = document.createElement("span");
      name.className = "name";
      name.textContent = r.payload.s;
      src.appendChild(name);
      if (sameAsAbove) {
        // The name stays for screen readers and copying; the eye sees a ditto mark.
        var ditto = document.createElement("span");
        ditto.className = "ditto";
        ditto.setAttribute("aria-hidden", "true");
        ditto.textContent = "\u2033";
        ditto.title = r.payload.s;
        src.appendChild(ditto);
      }
      if (r.first && r.payload.m > 0) {
        var extra = document.createElement("span");
        extra.className = "more-diags";
        extra.textContent = "and " + group(r.payload.m) + " more diagnostics not listed";
        src.appendChild(extra);
      }
      cell(tr, "type", r.payload.t + " / " + r.payload.f);
      cell(tr, "sev", d[0]);
      var codeCell = cell(tr, "code");
      var link = document.createElement("a");
      link.setAttribute("href", "#code=" + encodeURIComponent(d[1]));
      link.textContent = d[1];
      codeCell.appendChild(link);
      var path = cell(tr, "path");
      if (d[4]) {
        var badge = document.createElement("span");
        badge.className = "badge";
        badge.textContent = "embedded";
        badge.title = "in an embedded file of this payload";
        path.appendChild(badge);
        path.appendChild(document.createTextNode(d[4] + (d[2] ? " \u203a " + d[2] : "")));
      } else {
        path.textContent = d[2];
      }
      cell(tr, "msg", data.redacted ? "(redacted)" : d[3]);
      return tr;
    }

    function draw() {
      var end = Math.min(matches.length, drawn + PAGE);
      var fragment = document.createDocumentFragment();
      for (var i = drawn; i < end; i++) {
        fragment.appendChild(makeRow(matches[i], i > 0 ? matches[i - 1] : null));
      }
      tbody.appendChild(fragment);
      drawn = end;
      var total = rows.length;
      shown.textContent =
        matches.length === total
          ? "Showing " + group(drawn) + " of " + group(total) + " diagnostics."
          : "Showing " + group(drawn) + " of " + group(matches.length) +
            " matching diagnostics (" + group(total) + " listed).";
      more.hidden = drawn >= matches.length;
    }

    function onInput() {
      writeFragment();
      apply();
    }

    text.addEventListener("input", onInput);
    code.addEventListener("change", onInput);
    severity.addEventListener("change", onInput);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
    });
    form.addEventListener("reset", function () {
      // After the form has reset its controls.
      setTimeout(onInput, 0);
    });
    more.addEventListener("click", draw);
    window.addEventListener("hashchange", function () {
      readFragment();
      apply();
      byId("invalid").scrollIntoView();
    });

    form.hidden = false;
    readFragment();
    apply();
    document.body.setAttribute("data-rendered", "1");
  }

  try {
    main();
  } catch (e) {
    fail(e && e.message ? e.message : String(e));
  }
})();
