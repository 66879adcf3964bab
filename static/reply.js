// Live character count for X replies, following twitter-text's weighting (the server checks again).
(function () {
  var box = document.getElementById("reply-text");
  var out = document.getElementById("reply-count");
  if (!box || !out || !box.dataset.xLimit) return;
  var limit = parseInt(box.dataset.xLimit, 10);
  var url = /\b(?:https?:\/\/|www\.)[^\s<>"]+[^\s<>".,:;!?)\]'}]/gi;
  var light = [[0, 4351], [8192, 8205], [8208, 8223], [8242, 8247]];
  var emoji = /\p{Extended_Pictographic}(?:\uFE0F|\p{Emoji_Modifier}|\u200D\p{Extended_Pictographic})*|\p{Regional_Indicator}{2}/gu;
  function weight(text) {
    var total = 0;
    text = text.normalize("NFC");
    text = text.replace(url, function () { total += 23; return ""; });
    text = text.replace(emoji, function () { total += 2; return ""; });
    for (var ch of text) {
      var cp = ch.codePointAt(0);
      total += light.some(function (r) { return cp >= r[0] && cp <= r[1]; }) ? 1 : 2;
    }
    return total;
  }
  var send = document.getElementById("reply-send");
  function update() {
    var n = weight(box.value);
    var over = n > limit;
    out.textContent = n + " / " + limit;
    out.className = over ? "over" : "muted";
    // the server refuses it too; the button says so before the agent tries
    if (send) {
      send.disabled = over;
      if (over) send.setAttribute("aria-describedby", "reply-count"); else send.removeAttribute("aria-describedby");
    }
  }
  box.addEventListener("input", update);
  update();
})();
