// Under a date or date-time field (class "date-hint", named by the input's aria-describedby), the chosen day in
// the page's language: 2026年12月5日周六 / Sat 5 Dec 2026. The browser's picker writes a date its own way
// (12/05/2026 or 2026/12/05), so the hint says which day that is; with no date chosen it keeps its own text.
function describe(input, hint) {
  const empty = hint.dataset.empty || hint.textContent;
  hint.dataset.empty = empty;
  const value = input.value;
  if (!value) {
    hint.textContent = empty;
    return;
  }
  const withTime = input.type === "datetime-local";
  const moment = new Date(withTime ? value : value + "T00:00");
  if (Number.isNaN(moment.getTime())) {
    hint.textContent = empty;
    return;
  }
  const options = { year: "numeric", month: "short", day: "numeric", weekday: "short" };
  if (withTime) Object.assign(options, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  // English as the portal writes it, no comma after the weekday: Sat 5 Dec 2026.
  hint.textContent = new Intl.DateTimeFormat(locale(), options).format(moment).replace(/^([A-Za-z]+),/, "$1");
}

// The page's language as the portal writes dates: English day first (Sat 5 Dec 2026), as in its `day` filter.
function locale() {
  const lang = document.documentElement.lang || "zh-Hans";
  return lang.toLowerCase().startsWith("en") ? "en-GB" : lang;
}

function attach(root) {
  root.querySelectorAll('input[type="date"], input[type="datetime-local"]').forEach((input) => {
    const ids = (input.getAttribute("aria-describedby") || "").split(" ");
    const hint = ids.map((id) => document.getElementById(id)).find((el) => el && el.classList.contains("date-hint"));
    if (!hint || input.dataset.hinted) return;
    input.dataset.hinted = "yes";
    describe(input, hint);
    input.addEventListener("input", () => describe(input, hint));
    input.addEventListener("change", () => describe(input, hint));
  });
}

attach(document);
// Forms that htmx swaps in get their hints too.
document.addEventListener("htmx:afterSwap", (event) => attach(event.target));
