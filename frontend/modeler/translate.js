// bpmn-js asks its `translate` service for every text it shows; the page answers from the table
// Django translated (json_script "modeler-texts"), filling in {placeholders}.

export default function translateModule(texts) {
  function translate(template, replacements) {
    const text = texts[template] || template;
    const values = replacements || {};
    return text.replace(/{([^}]+)}/g, (whole, key) => (values[key] !== undefined ? values[key] : whole));
  }
  return { translate: ['value', translate] };
}
