// Process diagrams for everyone: a read-only bpmn-js viewer (pan and zoom) with LotFlow's markers
// (where an instance waits, what it went through, incidents, what a new version changed) and
// number badges that link to the instances behind them. Every [data-diagram] element names the
// json_script that configures it; one inside a closed <details> is drawn when it is first opened.
import "bpmn-js/dist/assets/diagram-js.css";
import "bpmn-js/dist/assets/bpmn-js.css";
import "./diagram/diagram.css";
import { drawAll } from "./diagram/draw.js";

if (document.readyState === "loading") {
  document.addEventListener("DOMContentLoaded", drawAll);
} else {
  drawAll();
}
