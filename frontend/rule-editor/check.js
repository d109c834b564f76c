// The same checks as `manage.py rules check`, while typing: the text goes to the page's check
// endpoint (debounced by the linter) and each problem is marked at its line with its reason.
export function ruleChecker(config, csrfToken, report) {
  return async (view) => {
    const text = view.state.doc.toString();
    if (new Blob([text]).size > config.maxBytes) {
      report([{ line: null, reason: config.texts.tooLarge }]);
      return [];
    }
    let problems;
    try {
      const body = new URLSearchParams({ text });
      const response = await fetch(config.checkUrl, {
        method: "POST",
        headers: { "X-CSRFToken": csrfToken },
        body,
        credentials: "same-origin",
      });
      if (!response.ok) throw new Error(String(response.status));
      problems = (await response.json()).problems;
    } catch {
      report([{ line: null, reason: config.texts.unreachable }]);
      return [];
    }
    if (text !== view.state.doc.toString()) return [];
    report(problems);
    return problems.map((problem) => {
      const number = Math.min(Math.max(problem.line || 1, 1), view.state.doc.lines);
      const line = view.state.doc.line(number);
      return { from: line.from, to: line.to, severity: "error", message: problem.reason };
    });
  };
}
