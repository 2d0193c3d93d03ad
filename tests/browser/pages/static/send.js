// Every fixture's Send button records that it was pressed: the tests assert it never is.
window.__sent = 0;
for (const button of document.querySelectorAll("[data-send]")) {
  button.addEventListener("click", () => (window.__sent += 1));
}
