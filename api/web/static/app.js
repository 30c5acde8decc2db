// paperhound: small conveniences on top of pages that work without it.
"use strict";

// vote sends a card's vote form in the background and updates the card:
// its buttons and upvote count; a list marked data-live (a feed, search
// results, similar papers) is then fetched again and swapped in, so an
// upvote or a hide changes the feed without a reload. Without JavaScript
// the same form posts and the server redirects back to the page.
async function vote(form, button) {
  const action = button.value;
  const data = new FormData(form);
  data.set("action", action);
  const card = form.closest(".card");
  const status = document.getElementById("status");
  // Not disabled while busy: a disabled button drops the keyboard focus.
  if (form.dataset.busy) return;
  form.dataset.busy = "1";
  form.setAttribute("aria-busy", "true");
  try {
    // form.action would be the buttons named "action", not the attribute.
    const res = await fetch(form.getAttribute("action"), {
      method: "POST", body: new URLSearchParams(data),
      headers: { "Accept": "application/json" }, credentials: "same-origin",
    });
    if (!res.ok) throw new Error(res.status);
    const got = await res.json();
    setButton(form.querySelector("button.up"), got.vote === 1, "unup", "▲ Upvoted", "up", "▲ Upvote");
    setButton(form.querySelector("button.hide"), got.vote === -1, "unhide", "Hidden: show again", "hide", "Hide");
    const count = card && card.querySelector(".upvotes");
    if (count) count.textContent = got.upvotes + (got.upvotes === 1 ? " upvote" : " upvotes");
    const title = card ? card.querySelector("h3").textContent.trim() : "";
    status.textContent = { up: "Upvoted", unup: "Upvote removed", hide: "Hidden", unhide: "Shown again" }[action] + ": " + title;
    await refresh(form.closest("[data-live]"), card);
  } catch (err) {
    // Send the form as without JavaScript: the server's page says why.
    console.error("paperhound: vote in place failed:", err);
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = "action";
    field.value = action;
    form.append(field);
    form.submit();
  } finally {
    delete form.dataset.busy;
    form.removeAttribute("aria-busy");
  }
}

function setButton(b, pressed, onValue, onLabel, offValue, offLabel) {
  if (!b) return;
  b.setAttribute("aria-pressed", pressed ? "true" : "false");
  b.value = pressed ? onValue : offValue;
  b.querySelector(".label").textContent = pressed ? onLabel : offLabel;
}

// refresh fetches this page again and swaps the live list in. Keyboard
// focus inside the list stays on the card voted on, or when it left the
// list (upvoted or hidden in a feed), moves to the card now in its place.
async function refresh(list, card) {
  if (!list || !list.id) return;
  const res = await fetch(location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
  if (!res.ok) return;
  const doc = new DOMParser().parseFromString(await res.text(), "text/html");
  const fresh = doc.getElementById(list.id);
  if (!fresh) return;
  const hadFocus = list.contains(document.activeElement);
  const index = [...list.querySelectorAll(".card")].indexOf(card);
  list.replaceWith(fresh);
  if (!hadFocus || !card) return;
  const cards = [...fresh.querySelectorAll(".card")];
  const same = cards.find((c) => c.dataset.paper === card.dataset.paper);
  const target = same ? same.querySelector("button.up") : (cards[index] || cards[cards.length - 1])?.querySelector("h3 a");
  if (target) target.focus();
}

document.addEventListener("submit", (e) => {
  const form = e.target;
  if (!form.matches("form.vote") || !window.fetch) return;
  e.preventDefault();
  vote(form, e.submitter || form.querySelector("button"));
});

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
