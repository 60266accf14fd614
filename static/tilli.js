// Small progressive enhancements; every page works without them.

// A select marked data-autosubmit submits its form when a choice is made with the mouse,
// a touch screen or the browser's picker. Stepping through the options with the arrow
// keys (which changes the value at once in some browsers) does not navigate away: the
// person presses Enter, or uses the form's button, when they reach the one they want.
const STEP_KEYS = new Set(["ArrowUp", "ArrowDown", "ArrowLeft", "ArrowRight", "Home", "End", "PageUp", "PageDown"]);
const isAutosubmit = (el) => el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit");

document.addEventListener("keydown", (event) => {
  const el = event.target;
  if (!isAutosubmit(el)) return;
  if (event.key === "Enter") {
    event.preventDefault();
    el.form.requestSubmit();
  } else if ((STEP_KEYS.has(event.key) && !event.altKey) || (event.key.length === 1 && event.key !== " ")) {
    el.dataset.steppedByKeyboard = "true";
  }
});
document.addEventListener("pointerdown", (event) => {
  if (isAutosubmit(event.target)) delete event.target.dataset.steppedByKeyboard;
});
document.addEventListener("change", (event) => {
  const el = event.target;
  if (!isAutosubmit(el)) return;
  if (el.dataset.steppedByKeyboard) {
    delete el.dataset.steppedByKeyboard;
    return;
  }
  el.form.requestSubmit();
});

// The menu (a <details>) closes with Escape, focus going back to its button, and when
// the person clicks or taps anywhere outside it.
document.addEventListener("keydown", (event) => {
  const menu = document.querySelector("details.menu[open]");
  if (event.key === "Escape" && menu) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
document.addEventListener("click", (event) => {
  const menu = document.querySelector("details.menu[open]");
  if (menu && !menu.contains(event.target)) menu.open = false;
});

document.addEventListener("submit", (event) => {
  const form = event.target;
  const question = form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Enter in a search field that searches as you type (hx-post) runs that search in place instead of
// submitting the form around it, which would reload the page and drop what is not saved yet.
document.addEventListener("keydown", (event) => {
  const el = event.target;
  if (event.key !== "Enter" || !(el instanceof HTMLInputElement) || el.type !== "search" || !el.hasAttribute("hx-post")) return;
  event.preventDefault();
  el.dispatchEvent(new Event("search"));
});
