// Keyboard navigation between the messages of a thread page: j / n next,
// k / p previous. A progressive enhancement: the page works without it.
"use strict";
(function () {
  const NEXT = new Set(["j", "n"]);
  const PREVIOUS = new Set(["k", "p"]);

  function messages() {
    return Array.from(document.querySelectorAll("article.msg[id]"));
  }

  function currentIndex(list) {
    const target = location.hash ? document.getElementById(location.hash.slice(1)) : null;
    if (target && list.includes(target)) return list.indexOf(target);
    // Otherwise the first message whose top is below the top of the window.
    const index = list.findIndex((m) => m.getBoundingClientRect().top > 1);
    return index === -1 ? list.length - 1 : index - 1;
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const field = event.target.closest && event.target.closest("input, textarea, select, [contenteditable]");
    if (field) return;
    const step = NEXT.has(event.key) ? 1 : PREVIOUS.has(event.key) ? -1 : 0;
    if (step === 0) return;
    const list = messages();
    if (list.length === 0) return;
    const index = Math.min(Math.max(currentIndex(list) + step, 0), list.length - 1);
    event.preventDefault();
    location.hash = "#" + list[index].id;
  });
})();
