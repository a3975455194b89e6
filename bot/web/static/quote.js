// Selecting text inside a free-text answer fills the quote form with the answer's key, the
// passage and its offsets. Offsets count Unicode code points, as Python does, not the
// UTF-16 units of the DOM; the server checks the passage is exactly that slice of the answer.
(function () {
  "use strict";
  var form = document.getElementById("quote-form");
  if (!form) { return; }
  var keyField = document.getElementById("quote-key");
  var passage = document.getElementById("quote-passage");
  var startField = document.getElementById("quote-start");
  var endField = document.getElementById("quote-end");

  function codePoints(text) { return Array.from(text).length; }

  function offsetWithin(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return range.toString();
  }

  function onSelection() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) { return; }
    var range = selection.getRangeAt(0);
    var start = range.startContainer.nodeType === 1 ? range.startContainer : range.startContainer.parentElement;
    var answer = start && start.closest("[data-answer-key]");
    if (!answer || !answer.contains(range.endContainer)) { return; }
    var before = offsetWithin(answer, range.startContainer, range.startOffset);
    var text = range.toString();
    keyField.value = answer.getAttribute("data-answer-key");
    passage.value = text;
    startField.value = String(codePoints(before));
    endField.value = String(codePoints(before) + codePoints(text));
  }

  document.addEventListener("mouseup", onSelection);
  document.addEventListener("keyup", function (event) { if (event.shiftKey) { onSelection(); } });
  passage.addEventListener("input", function () { startField.value = ""; endField.value = ""; });
  keyField.addEventListener("change", function () { startField.value = ""; endField.value = ""; });
}());
