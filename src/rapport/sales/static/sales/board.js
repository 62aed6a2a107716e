/* Pipeline board: drag a card to another column to run the opportunity's set-stage action through
   the API (the server enforces the exit criteria); a refusal is shown and the card goes back. */
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var status = document.getElementById("board-status");
  var dragged = null;

  function show(message, ok) {
    status.textContent = message;
    status.classList.toggle("is-ok", !!ok);
    status.hidden = false;
  }

  board.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".board-card.is-movable");
    if (!card) { return; }
    dragged = card;
    card.classList.add("is-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-id"));
  });
  board.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("is-dragging"); }
    board.querySelectorAll(".is-over").forEach(function (c) { c.classList.remove("is-over"); });
  });
  board.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!column || !dragged) { return; }
    event.preventDefault();
    board.querySelectorAll(".is-over").forEach(function (c) { if (c !== column) { c.classList.remove("is-over"); } });
    column.classList.add("is-over");
  });
  board.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".board-column");
    if (!column || !dragged) { return; }
    event.preventDefault();
    column.classList.remove("is-over");
    var card = dragged;
    var from = card.closest(".board-column");
    if (from === column) { return; }
    var stage = column.getAttribute("data-stage");
    fetch("/api/v1/opportunities/" + card.getAttribute("data-id") + "/set-stage/", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json",
                 "X-CSRFToken": board.getAttribute("data-csrf"), "If-Match": '"' + card.getAttribute("data-version") + '"' },
      body: JSON.stringify({ stage: stage })
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (!result.ok) {
        show(result.body.detail || result.body.title || board.getAttribute("data-error"));
        return;
      }
      // Redraw from the server so the totals and the card's version are right.
      window.location.reload();
    }).catch(function () { show(board.getAttribute("data-error") || "The change could not be saved."); });
  });
})();
