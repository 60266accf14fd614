// The till's "Print" buttons (no inline handlers: the Content-Security-Policy allows only our own scripts).
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-print]");
  if (button) {
    window.print();
  }
});
