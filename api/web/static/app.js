// paperhound: small conveniences on top of pages that work without it.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  // A copy button next to the feed URL.
  for (const btn of document.querySelectorAll("button[data-copy]")) {
    const field = document.getElementById(btn.dataset.copy);
    if (!field || !navigator.clipboard) continue;
    btn.hidden = false;
    btn.addEventListener("click", async () => {
      await navigator.clipboard.writeText(field.value);
      btn.textContent = "Copied";
    });
  }
});
