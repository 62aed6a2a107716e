/* Rapport's own small script: tabs, dialogs, menus, lookup type-ahead, quick create, filter rows.
   Pages work as plain links and forms; this adds keyboard-friendly widgets on top. */
(function () {
  "use strict";

  function qsa(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }

  /* --- tabs (WAI-ARIA tabs pattern: arrows, Home, End) ------------------------------------ */
  function selectTab(tab, focus) {
    var list = tab.closest("[role=tablist]");
    qsa(list, "[role=tab]").forEach(function (other) {
      var selected = other === tab;
      other.setAttribute("aria-selected", selected ? "true" : "false");
      other.tabIndex = selected ? 0 : -1;
      var panel = document.getElementById(other.getAttribute("aria-controls"));
      if (panel) { panel.hidden = !selected; }
    });
    if (focus) { tab.focus(); }
  }

  document.addEventListener("click", function (event) {
    var tab = event.target.closest("[role=tab]");
    if (tab) { selectTab(tab, false); }
  });

  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest("[role=tab]");
    if (!tab) { return; }
    var tabs = qsa(tab.closest("[role=tablist]"), "[role=tab]");
    var index = tabs.indexOf(tab);
    var next = null;
    if (event.key === "ArrowRight") { next = tabs[(index + 1) % tabs.length]; }
    if (event.key === "ArrowLeft") { next = tabs[(index - 1 + tabs.length) % tabs.length]; }
    if (event.key === "Home") { next = tabs[0]; }
    if (event.key === "End") { next = tabs[tabs.length - 1]; }
    if (next) { event.preventDefault(); selectTab(next, true); }
  });

  /* --- dialogs ---------------------------------------------------------------------------- */
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open-dialog]");
    if (opener) {
      var dialog = document.getElementById(opener.getAttribute("data-open-dialog"));
      if (dialog && dialog.showModal) {
        event.preventDefault();
        dialog.showModal();
        var first = dialog.querySelector("input:not([type=hidden]), select, textarea, button");
        if (first) { first.focus(); }
      }
      return;
    }
    var closer = event.target.closest("[data-close-dialog]");
    if (closer) {
      var open = closer.closest("dialog");
      if (open) { open.close(); } else { history.back(); }
      return;
    }
    var confirmer = event.target.closest("[data-confirm]");
    if (confirmer && !window.confirm(confirmer.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });

  /* --- menus (<details>): close on Escape and on a click elsewhere -------------------------- */
  document.addEventListener("click", function (event) {
    qsa(document, "details.menu[open]").forEach(function (menu) {
      if (!menu.contains(event.target)) { menu.removeAttribute("open"); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    qsa(document, "details.menu[open]").forEach(function (menu) {
      menu.removeAttribute("open");
      var summary = menu.querySelector("summary");
      if (summary && menu.contains(document.activeElement)) { summary.focus(); }
    });
  });

  /* --- phone navigation toggle -------------------------------------------------------------- */
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest("[data-nav-toggle]");
    if (!toggle) { return; }
    var nav = document.getElementById(toggle.getAttribute("aria-controls"));
    var open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (nav) { nav.classList.toggle("open", open); }
  });

  /* --- "/" focuses the list's quick find ----------------------------------------------------- */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.closest("input, textarea, select, [contenteditable]")) { return; }
    var find = document.getElementById("quick-find");
    if (find) { event.preventDefault(); find.focus(); find.select(); }
  });

  /* --- list: select all rows ----------------------------------------------------------------- */
  document.addEventListener("change", function (event) {
    var all = event.target.closest("[data-select-all]");
    if (!all) { return; }
    qsa(all.form || document, "input[name=ids]").forEach(function (box) { box.checked = all.checked; });
  });

  /* --- filter bar: add and remove rows -------------------------------------------------------- */
  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-filter-row]");
    if (add && window.htmx) {
      event.preventDefault();
      var rows = qsa(document, "[data-filter-row]").map(function (row) { return parseInt(row.getAttribute("data-filter-row"), 10) || 0; });
      var index = rows.length ? Math.max.apply(null, rows) + 1 : 0;
      window.htmx.ajax("GET", add.getAttribute("data-add-filter-row") + "?i=" + index, { target: "#filter-rows", swap: "beforeend" })
        .then(function () {
          var field = document.getElementById("fb-" + index + "-field");
          if (field) { field.focus(); }
        });
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest(".filter-row");
      var form = remove.closest("form");
      if (row) { row.remove(); }
      var next = form && form.querySelector("[data-add-filter-row]");
      if (next) { next.focus(); }
    }
  });

  /* Choosing a field or an operator draws the row again (its operators and value input). The
     listener sits on the document, so a row just added reacts at once — no wait for htmx to
     process it. */
  document.addEventListener("change", function (event) {
    var select = event.target.closest("[data-redraw-row]");
    if (!select || !window.htmx) { return; }
    var row = select.closest(".filter-row");
    if (!row) { return; }
    var params = new URLSearchParams();
    qsa(row, "input[name], select[name]").forEach(function (el) {
      if (el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { params.append(el.name, o.value); });
      } else if ((el.type === "checkbox" || el.type === "radio") && !el.checked) {
        return;
      } else {
        params.append(el.name, el.value);
      }
    });
    var focusId = select.id;
    window.htmx.ajax("GET", select.getAttribute("data-redraw-row") + "&" + params.toString(), { target: row, swap: "outerHTML" })
      .then(function () {
        var again = document.getElementById(focusId);
        if (again) { again.focus(); }
      });
  });

  /* --- lookup fields: type-ahead combobox ------------------------------------------------------ */
  var timers = new WeakMap();

  function optionsOf(box) { return box.querySelector("[role=listbox]"); }

  function closeOptions(box) {
    var list = optionsOf(box);
    var input = box.querySelector("[data-lookup-input]");
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(box, option) {
    box.querySelector("[data-lookup-value]").value = option.getAttribute("data-id");
    box.querySelector("[data-lookup-input]").value = option.getAttribute("data-name");
    closeOptions(box);
  }

  function render(box, results) {
    var list = optionsOf(box);
    var input = box.querySelector("[data-lookup-input]");
    list.innerHTML = "";
    if (!results.length) {
      var none = document.createElement("li");
      none.className = "no-match";
      none.setAttribute("aria-disabled", "true");
      none.textContent = box.getAttribute("data-no-match") || list.getAttribute("data-no-match") || "—";
      list.appendChild(none);
    }
    results.forEach(function (item, index) {
      var li = document.createElement("li");
      li.setAttribute("role", "option");
      li.id = input.id + "-option-" + index;
      li.setAttribute("data-id", item.id);
      li.setAttribute("data-name", item.name);
      li.setAttribute("aria-selected", "false");
      li.textContent = item.name;
      if (item.hint) {
        var hint = document.createElement("span");
        hint.className = "hint";
        hint.textContent = " " + item.hint;
        li.appendChild(hint);
      }
      list.appendChild(li);
    });
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
  }

  function search(box) {
    var input = box.querySelector("[data-lookup-input]");
    var url = box.getAttribute("data-lookup") + "?q=" + encodeURIComponent(input.value);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : { results: [] }; })
      .then(function (body) { if (document.activeElement === input) { render(box, body.results || []); } });
  }

  function move(box, step) {
    var input = box.querySelector("[data-lookup-input]");
    var options = qsa(optionsOf(box), "[role=option]");
    if (!options.length) { return; }
    var current = options.findIndex(function (o) { return o.getAttribute("aria-selected") === "true"; });
    var next = current < 0 ? (step > 0 ? 0 : options.length - 1) : (current + step + options.length) % options.length;
    options.forEach(function (o, i) { o.setAttribute("aria-selected", i === next ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", options[next].id);
    options[next].scrollIntoView({ block: "nearest" });
  }

  document.addEventListener("input", function (event) {
    var input = event.target.closest("[data-lookup-input]");
    if (!input) { return; }
    var box = input.closest("[data-lookup]");
    box.querySelector("[data-lookup-value]").value = "";
    clearTimeout(timers.get(box));
    timers.set(box, setTimeout(function () { search(box); }, 200));
  });

  document.addEventListener("focusin", function (event) {
    var input = event.target.closest && event.target.closest("[data-lookup-input]");
    if (input && !input.value) { search(input.closest("[data-lookup]")); }
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target.closest && event.target.closest("[data-lookup-input]");
    if (!input) { return; }
    var box = input.closest("[data-lookup]");
    var list = optionsOf(box);
    if (event.key === "ArrowDown") { event.preventDefault(); if (list.hidden) { search(box); } else { move(box, 1); } }
    else if (event.key === "ArrowUp") { event.preventDefault(); move(box, -1); }
    else if (event.key === "Escape") { if (!list.hidden) { event.preventDefault(); event.stopPropagation(); closeOptions(box); } }
    else if (event.key === "Enter" && !list.hidden) {
      var active = list.querySelector("[aria-selected=true]");
      if (active) { event.preventDefault(); choose(box, active); }
    }
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest("[data-lookup] [role=option]");
    if (option) { event.preventDefault(); choose(option.closest("[data-lookup]"), option); }
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target.closest && event.target.closest("[data-lookup-input]");
    if (input) { setTimeout(function () { closeOptions(input.closest("[data-lookup]")); }, 150); }
  });

  /* --- quick create from a lookup field (a <dialog> loaded by htmx) --------------------------- */
  var quickCreateFor = null;

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-quick-create]");
    if (!button || !window.htmx) { return; }
    event.preventDefault();
    quickCreateFor = button.closest("[data-lookup]");
    var dialog = document.getElementById("quick-create-dialog");
    window.htmx.ajax("GET", button.getAttribute("data-quick-create"), { target: "#quick-create-body", swap: "innerHTML" })
      .then(function () {
        dialog.showModal();
        var first = dialog.querySelector("input:not([type=hidden]), select, textarea");
        if (first) { first.focus(); }
      });
  });

  document.addEventListener("rapport:created", function (event) {
    var created = event.detail || {};
    var dialog = document.getElementById("quick-create-dialog");
    if (quickCreateFor) {
      quickCreateFor.querySelector("[data-lookup-value]").value = created.id;
      var input = quickCreateFor.querySelector("[data-lookup-input]");
      input.value = created.label;
      if (dialog && dialog.open) { dialog.close(); }
      input.focus();
      quickCreateFor = null;
    } else if (dialog && dialog.open) {
      dialog.close();
    }
  });

  /* --- a page that answers with errors: start at the summary so it is read out first ------------ */
  document.addEventListener("DOMContentLoaded", function () {
    var summary = document.getElementById("conflict-message") || document.getElementById("error-summary");
    if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }
  });

  /* --- after htmx swaps: move focus to an error summary so it is read out ---------------------- */
  document.addEventListener("htmx:afterSwap", function (event) {
    var alert = event.detail.target && event.detail.target.querySelector && event.detail.target.querySelector("[role=alert]");
    if (alert) { alert.setAttribute("tabindex", "-1"); alert.focus(); }
  });
})();
