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

// A booking form carries a small proof of work (docs/public-writes.md): a nonce such that SHA-256 of
// "<challenge>:<nonce>" starts with `bits` zero bits. The search starts as the page opens, so it is
// usually done before the person has typed their name; a submit made earlier waits for it.
const leadingZeroBits = (bytes) => {
  let bits = 0;
  for (const byte of bytes) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
};

async function solveProof(challenge, bits) {
  const encoder = new TextEncoder();
  const BATCH = 256;
  for (let start = 0; ; start += BATCH) {
    const digests = await Promise.all(Array.from({ length: BATCH }, (_, i) =>
      crypto.subtle.digest("SHA-256", encoder.encode(`${challenge}:${start + i}`))));
    const found = digests.findIndex((digest) => leadingZeroBits(new Uint8Array(digest)) >= bits);
    if (found >= 0) return String(start + found);
  }
}

for (const input of document.querySelectorAll("input[data-proof-challenge]")) {
  const form = input.form;
  const proof = form.elements.namedItem("proof");
  const solved = solveProof(input.value, Number(input.dataset.proofBits)).then((nonce) => { proof.value = nonce; });
  form.addEventListener("submit", (event) => {
    if (proof.value) return;
    event.preventDefault();
    form.setAttribute("aria-busy", "true");
    solved.then(() => form.requestSubmit(event.submitter));
  });
}
