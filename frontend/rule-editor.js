// The rule studio's editor (issue 20): CodeMirror 6 over the page's <textarea name="text">, which it
// keeps in step, so the save form, the dry run and the replay post the text exactly as typed.
import { EditorView, basicSetup } from "codemirror";
import { EditorState } from "@codemirror/state";
import { autocompletion } from "@codemirror/autocomplete";
import { linter, lintGutter } from "@codemirror/lint";
import { ruleLanguage } from "./rule-editor/language.js";
import { ruleCompletion } from "./rule-editor/complete.js";
import { ruleChecker } from "./rule-editor/check.js";
import "./rule-editor/rule-editor.css";

function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  return field ? field.value : "";
}

function showProblems(box, config, problems) {
  box.replaceChildren();
  if (!problems.length) {
    box.className = "rule-check ok";
    box.textContent = config.texts.ok;
    return;
  }
  box.className = "rule-check problems";
  const title = document.createElement("strong");
  title.textContent = config.texts.problems;
  const list = document.createElement("ul");
  for (const problem of problems) {
    const item = document.createElement("li");
    const where = problem.line ? config.texts.line.replace("%(line)s", problem.line) + ": " : "";
    item.textContent = where + problem.reason;
    item.dataset.line = problem.line || "";
    list.append(item);
  }
  box.append(title, list);
}

function start() {
  const textarea = document.getElementById("rule-text");
  const holder = document.getElementById("rule-editor");
  const configNode = document.getElementById("rule-editor-config");
  if (!textarea || !holder || !configNode) return;
  const config = JSON.parse(configNode.textContent);
  const box = document.getElementById("rule-check");
  const extensions = [
    basicSetup,
    ruleLanguage,
    EditorView.lineWrapping,
    EditorView.contentAttributes.of({ "aria-label": holder.dataset.label || "" }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) textarea.value = update.state.doc.toString();
    }),
  ];
  if (config.editable) {
    extensions.push(
      autocompletion({ override: [ruleCompletion(config)] }),
      lintGutter(),
      linter(ruleChecker(config, csrfToken(), (problems) => showProblems(box, config, problems)), { delay: 600 }),
    );
  } else {
    extensions.push(EditorState.readOnly.of(true), EditorView.editable.of(false));
  }
  const view = new EditorView({ state: EditorState.create({ doc: textarea.value, extensions }), parent: holder });
  textarea.hidden = true;
  holder.classList.add("ready");
  window.lotflowRuleEditor = view; // for the page's tests and for people who script their browser
  if (config.problems && config.problems.length) showProblems(box, config, config.problems);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
