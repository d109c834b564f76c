// Completion from the catalog the page gives (engine.api.rules_catalog): the fact kind's fields,
// the actions and their parameters, the `set` names, and the keywords.
import { LINE_KEYWORDS, setNames } from "./language.js";

function lineKeyword(state, lineNumber) {
  // The keyword of the line, or of the line a continued `when` started on.
  for (let n = lineNumber; n >= 1; n--) {
    const text = state.doc.line(n).text.replace(/#.*$/, "").trim();
    if (!text) return "";
    const first = text.split(/\s+/)[0];
    if (LINE_KEYWORDS.includes(first)) return first;
    if (n === lineNumber && /^[A-Za-z_]/.test(first) && n > 1) continue;
  }
  return "";
}

export function ruleCompletion(config) {
  const catalog = config.catalog;
  const texts = config.texts;
  const type = (code) => texts.types[code] || code;
  const fields = (catalog.facts[config.kind] || { fields: {} }).fields;
  const actions = Object.entries(catalog.actions).filter(
    ([, action]) => !action.facts.length || action.facts.includes(config.kind),
  );
  return (context) => {
    const word = context.matchBefore(/[A-Za-z_][A-Za-z0-9_]*/);
    if (!word && !context.explicit) return null;
    const from = word ? word.from : context.pos;
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, from - line.from);
    const keyword = before.trim() === "" ? "" : lineKeyword(context.state, line.number);
    const names = setNames(context.state.doc.toString()).map(({ name, value }) => ({
      label: name,
      type: "constant",
      detail: `= ${value}`,
      info: texts.setName,
    }));
    let options;
    if (before.trim() === "") {
      options = LINE_KEYWORDS.map((k) => ({ label: k, type: "keyword", detail: texts.keyword }));
      if (lineKeyword(context.state, line.number - 1 || 1) === "when" || /^\s+/.test(before)) {
        options = options.concat(Object.entries(fields).map(([f, t]) => ({ label: f, type: "property", detail: type(t) })));
      }
    } else if (keyword === "then") {
      const parts = before.trim().split(/\s+/);
      if (parts.length === 1) {
        options = actions.map(([name, action]) => ({
          label: name,
          type: "function",
          detail: Object.keys(action.params).join(", "),
          info: action.description,
        }));
      } else {
        const action = catalog.actions[parts[1]];
        const given = new Set([...before.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)].map((m) => m[1]));
        const params = action
          ? Object.entries(action.params)
              .filter(([p]) => !given.has(p))
              .map(([p, spec]) => ({
                label: p,
                apply: `${p}=`,
                type: "variable",
                detail: type(spec.type) + (spec.required ? ` · ${texts.required}` : ""),
                info: spec.description || texts.parameter,
              }))
          : [];
        options = /=\s*$/.test(before) || /=[A-Za-z_]*$/.test(before) ? names : params;
      }
    } else if (keyword === "when") {
      options = Object.entries(fields)
        .map(([f, t]) => ({ label: f, type: "property", detail: type(t), info: texts.field }))
        .concat(names)
        .concat(["and", "or", "in", "has", "always", "none", "true", "false"].map((k) => ({ label: k, type: "keyword" })));
    } else if (keyword === "facts") {
      options = Object.keys(catalog.facts).map((k) => ({ label: k, type: "type" }));
    } else if (keyword === "match") {
      options = ["all", "first"].map((k) => ({ label: k, type: "keyword" }));
    } else {
      options = names;
    }
    return { from, options, validFor: /^[A-Za-z0-9_]*$/ };
  };
}
