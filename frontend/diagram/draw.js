// Draws one diagram from its configuration (see frontend/diagram.js):
//   {xml | url, markers: {kind: [element ids]}, badges: [{element, items: [{text, href, kind, title}]}],
//    failed: "translated message"}
// A url answers the same keys as JSON (the task page fetches its diagram only when opened).
import NavigatedViewer from "bpmn-js/lib/NavigatedViewer";

export function drawAll() {
  for (const host of document.querySelectorAll("[data-diagram]")) {
    const details = host.closest("details");
    if (!details) {
      draw(host);
      continue;
    }
    details.addEventListener("toggle", () => details.open && draw(host));
    if (details.open) draw(host);
  }
}

function config(host) {
  const source = document.getElementById(host.dataset.diagram);
  return source ? JSON.parse(source.textContent) : {};
}

async function draw(host) {
  if (host.dataset.state) return;
  host.dataset.state = "loading";
  let settings = config(host);
  try {
    if (settings.url) {
      const answer = await fetch(settings.url, { credentials: "same-origin", headers: { Accept: "application/json" } });
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      settings = { ...settings, ...(await answer.json()) };
    }
    const viewer = new NavigatedViewer({ container: host });
    await viewer.importXML(settings.xml);
    const canvas = viewer.get("canvas");
    canvas.zoom("fit-viewport", "auto");
    mark(viewer, settings.markers || {});
    addBadges(viewer, settings.badges || []);
    host.dataset.state = "ready";
  } catch (error) {
    host.dataset.state = "failed";
    host.textContent = settings.failed || "The diagram cannot be shown.";
    console.error(error);
  }
}

function mark(viewer, markers) {
  const canvas = viewer.get("canvas");
  const registry = viewer.get("elementRegistry");
  for (const [kind, ids] of Object.entries(markers)) {
    for (const id of ids) {
      if (registry.get(id)) canvas.addMarker(id, `lf-${kind}`);
    }
  }
}

function addBadges(viewer, badges) {
  const overlays = viewer.get("overlays");
  const registry = viewer.get("elementRegistry");
  for (const badge of badges) {
    const element = registry.get(badge.element);
    if (!element || element.waypoints) continue;
    const box = document.createElement("div");
    box.className = "lf-badges";
    for (const item of badge.items) {
      const tag = document.createElement(item.href ? "a" : "span");
      tag.className = `lf-badge lf-badge-${item.kind}`;
      tag.textContent = item.text;
      if (item.title) tag.title = item.title;
      if (item.href) tag.href = item.href;
      box.appendChild(tag);
    }
    // Above the element's top left corner: a boundary event's badges then sit inside its host, not on the host's.
    overlays.add(badge.element, { position: { top: -18, left: 0 }, html: box });
  }
}
