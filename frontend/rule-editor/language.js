// LotFlow's rule language (docs/rules.md) for CodeMirror 6: a line-oriented stream mode.
// Keywords open a line; `set NAME = VALUE` defines names the rest of the file uses, so the mode
// remembers them (in its state) and marks their later uses.
import { StreamLanguage } from "@codemirror/language";

export const LINE_KEYWORDS = ["ruleset", "about", "facts", "match", "set", "rule", "when", "then"];
export const WORD_OPERATORS = ["and", "or", "in", "has", "always"];
export const ATOMS = ["true", "false", "none", "all", "first"];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const TRANSLATION_KEY = /^(?:[A-Za-z_][A-Za-z0-9_]*:)?[A-Za-z_][A-Za-z0-9_]*\.[A-Za-z0-9_-]+(?=\s|$)/;

const mode = {
  name: "lotflow-rules",
  startState: () => ({ names: new Set(), keyword: "", position: 0 }),
  copyState: (state) => ({ names: new Set(state.names), keyword: state.keyword, position: state.position }),
  token(stream, state) {
    if (stream.sol()) {
      state.position = 0;
    }
    if (stream.eatSpace()) return null;
    const position = state.position++;
    if (stream.peek() === "#") {
      stream.skipToEnd();
      return "comment";
    }
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/)) return "string";
    if (stream.match(/^-?\d+(?:\.\d+)?/)) return "number";
    if (stream.match(/^(?:==|!=|<=|>=|<|>|=)/)) return "operator";
    if (stream.match(/^[()[\],]/)) return "bracket";
    if (position === 0 && stream.match(TRANSLATION_KEY)) {
      state.keyword = "";
      return "labelName";
    }
    const word = stream.match(NAME);
    if (!word) {
      stream.next();
      return "invalid";
    }
    const name = word[0];
    if (position === 0) {
      // A line that goes on a `when` keeps the keyword of the line it continues.
      if (LINE_KEYWORDS.includes(name)) {
        state.keyword = name;
        return "keyword";
      }
      if (!WORD_OPERATORS.includes(name)) state.keyword = "when";
    }
    if (position === 1 && state.keyword === "set") {
      state.names.add(name);
      return "variableName.definition";
    }
    if (position === 1 && (state.keyword === "rule" || state.keyword === "ruleset" || state.keyword === "facts")) {
      return "variableName.definition";
    }
    if (position === 1 && state.keyword === "then") return "variableName.function";
    if (WORD_OPERATORS.includes(name)) return "operatorKeyword";
    if (ATOMS.includes(name)) return "atom";
    if (state.names.has(name)) return "variableName.special";
    if (state.keyword === "then") return "propertyName";
    return "variableName";
  },
  languageData: { commentTokens: { line: "#" } },
};

export const ruleLanguage = StreamLanguage.define(mode);

// The `set` names of a text, for completion.
export function setNames(text) {
  const found = [];
  for (const match of text.matchAll(/^\s*set\s+([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/gm)) {
    found.push({ name: match[1], value: match[2].replace(/\s+#.*$/, "").trim() });
  }
  return found;
}
