// The task forms the page holds (file name -> JSON Schema, see docs/forms.md), edited as a list of
// fields. A form is posted with the drawing at check and deploy; the panel redraws when one changes.

export const FIELD_TYPES = ['text', 'textarea', 'integer', 'number', 'boolean', 'date', 'date-time', 'email'];

export class FormStore {
  constructor(forms, eventBus) {
    this.forms = JSON.parse(JSON.stringify(forms || {}));
    this.eventBus = eventBus;
  }

  get(name) {
    return name ? this.forms[name] || null : null;
  }

  ensure(name, title) {
    if (!this.forms[name]) {
      this.forms[name] = { title: title || '', type: 'object', required: [], properties: {} };
    }
    return this.forms[name];
  }

  changed(element) {
    this.eventBus.fire('elements.changed', { elements: [element] });
    this.eventBus.fire('lotflow.forms.changed', { element });
  }

  all() {
    return this.forms;
  }
}

export function fieldType(field) {
  if (field.type === 'string') {
    if (['date', 'date-time', 'email'].includes(field.format)) {
      return field.format;
    }
    return field.maxLength && field.maxLength <= 200 ? 'text' : 'textarea';
  }
  return FIELD_TYPES.includes(field.type) ? field.type : 'text';
}

export function setFieldType(field, type) {
  delete field.format;
  if (['text', 'textarea', 'date', 'date-time', 'email'].includes(type)) {
    field.type = 'string';
    if (['date', 'date-time', 'email'].includes(type)) {
      field.format = type;
      delete field.maxLength;
    } else if (type === 'text') {
      field.maxLength = field.maxLength && field.maxLength <= 200 ? field.maxLength : 200;
    } else if (field.maxLength && field.maxLength <= 200) {
      field.maxLength = 2000;
    }
    delete field.minimum;
    delete field.maximum;
  } else {
    field.type = type;
    delete field.maxLength;
    delete field.minLength;
  }
  if (type === 'boolean') {
    delete field.enum;
    delete field.minimum;
    delete field.maximum;
  }
}

// Bounds: numbers for numeric fields, lengths for text.
export function boundKeys(field) {
  return field.type === 'integer' || field.type === 'number' ? ['minimum', 'maximum'] : ['minLength', 'maxLength'];
}

export function choicesText(field) {
  if (Array.isArray(field.enum)) {
    return field.enum.join(', ');
  }
  if (Array.isArray(field.oneOf)) {
    return field.oneOf.map((c) => c.const).join(', ');
  }
  return '';
}

export function setChoices(field, text) {
  const values = text
    .split(/[,，]/)
    .map((v) => v.trim())
    .filter(Boolean);
  delete field.oneOf;
  if (!values.length) {
    delete field.enum;
    return;
  }
  const numeric = field.type === 'integer' || field.type === 'number';
  field.enum = values.map((v) => (numeric && !Number.isNaN(Number(v)) ? Number(v) : v));
}

// Rename a field, keeping its place in the form, whether it is required, and its translations.
export function renameField(schema, from, to) {
  if (!to || from === to || schema.properties[to]) {
    return false;
  }
  const renamed = {};
  Object.entries(schema.properties).forEach(([key, value]) => {
    renamed[key === from ? to : key] = value;
  });
  schema.properties = renamed;
  schema.required = (schema.required || []).map((r) => (r === from ? to : r));
  Object.values(schema.translations || {}).forEach((lang) => {
    if (lang.fields && lang.fields[from]) {
      lang.fields[to] = lang.fields[from];
      delete lang.fields[from];
    }
  });
  return true;
}

export function removeField(schema, name) {
  delete schema.properties[name];
  schema.required = (schema.required || []).filter((r) => r !== name);
  Object.values(schema.translations || {}).forEach((lang) => {
    if (lang.fields) {
      delete lang.fields[name];
    }
  });
}

export function addField(schema) {
  let n = Object.keys(schema.properties).length + 1;
  while (schema.properties[`field_${n}`]) {
    n += 1;
  }
  const name = `field_${n}`;
  schema.properties[name] = { type: 'string', title: '', maxLength: 200 };
  return name;
}

// A field's label in another language: the form's translations[language].fields[name].title.
export function translatedLabel(schema, language, name) {
  const fields = ((schema.translations || {})[language] || {}).fields || {};
  return (fields[name] || {}).title || '';
}

export function setTranslatedLabel(schema, language, name, title) {
  schema.translations = schema.translations || {};
  const lang = (schema.translations[language] = schema.translations[language] || {});
  lang.fields = lang.fields || {};
  const field = (lang.fields[name] = lang.fields[name] || {});
  if (title) {
    field.title = title;
  } else {
    delete field.title;
  }
  // Nothing empty is left behind: deploy refuses an empty translation.
  if (!Object.keys(field).length) {
    delete lang.fields[name];
  }
  if (!Object.keys(lang.fields).length) {
    delete lang.fields;
  }
  if (!Object.keys(lang).length) {
    delete schema.translations[language];
  }
  if (!Object.keys(schema.translations).length) {
    delete schema.translations;
  }
}
