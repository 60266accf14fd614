// The counter's pages: a print button for the receipt (the @media print rules in counter.css lay it out for 80 mm).
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-print]")) {
    event.preventDefault();
    window.print();
  }
});
