// Canned responses: picking one puts its text (placeholders already filled by the server) into the reply box.
// Picking another replaces the one inserted before, as long as the agent has not edited it, so walking
// the picker with the arrow keys leaves only the last choice. The focus stays on the picker.
(function () {
  var picker = document.getElementById("canned");
  var box = document.getElementById("reply-text");
  if (!picker || !box) return;
  var inserted = null; // {start, text} of the last insertion

  function stillThere() {
    return inserted && box.value.substr(inserted.start, inserted.text.length) === inserted.text;
  }

  picker.addEventListener("change", function () {
    var option = picker.options[picker.selectedIndex];
    var text = option && option.value ? option.getAttribute("data-body") || "" : "";
    var value = box.value;
    var start, end;
    if (stillThere()) {
      start = inserted.start;
      end = inserted.start + inserted.text.length;
    } else if (!value.trim()) {
      start = 0;
      end = value.length;
    } else {
      start = typeof box.selectionStart === "number" ? box.selectionStart : value.length;
      end = typeof box.selectionEnd === "number" ? box.selectionEnd : start;
      if (start > 0 && text && !/\s$/.test(value.slice(0, start))) text = " " + text;
    }
    box.value = value.slice(0, start) + text + value.slice(end);
    inserted = text ? { start: start, text: text } : null;
    box.setSelectionRange(start + text.length, start + text.length);
    // other listeners (the X character count) see the change as if typed
    box.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
