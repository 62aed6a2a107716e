// Calendar drag and drop: move an open activity of mine to another day (POST, then reload).
(function () {
  "use strict";
  var calendar = document.querySelector("[data-calendar]");
  if (!calendar) return;
  var status = document.getElementById("calendar-status");
  var dragged = null;
  calendar.addEventListener("dragstart", function (event) {
    var item = event.target.closest(".calendar-item[draggable=true]");
    if (!item) return;
    dragged = item;
    item.classList.add("dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.getAttribute("data-id"));
  });
  calendar.addEventListener("dragend", function () {
    if (dragged) dragged.classList.remove("dragging");
    calendar.querySelectorAll(".drop-target").forEach(function (d) { d.classList.remove("drop-target"); });
  });
  calendar.addEventListener("dragover", function (event) {
    var day = event.target.closest(".calendar-day");
    if (!day || !dragged) return;
    event.preventDefault();
    calendar.querySelectorAll(".drop-target").forEach(function (d) { if (d !== day) d.classList.remove("drop-target"); });
    day.classList.add("drop-target");
  });
  calendar.addEventListener("drop", function (event) {
    var day = event.target.closest(".calendar-day");
    if (!day || !dragged) return;
    event.preventDefault();
    var item = dragged;
    dragged = null;
    day.classList.remove("drop-target");
    var body = new URLSearchParams();
    body.set("date", day.getAttribute("data-date"));
    body.set("version", item.getAttribute("data-version"));
    fetch("/activities/" + item.getAttribute("data-id") + "/reschedule/", {
      method: "POST", credentials: "same-origin", body: body,
      headers: {"X-CSRFToken": calendar.getAttribute("data-csrf"), "Accept": "application/json"}
    }).then(function (response) {
      return response.json().then(function (data) { return {ok: response.ok, data: data}; });
    }).then(function (result) {
      if (status) status.textContent = result.data.message || "";
      if (result.ok) {
        day.querySelector(".calendar-items").appendChild(item);
        item.setAttribute("data-version", result.data.version);
      }
    }).catch(function () { if (status) status.textContent = "…"; });
  });
})();
