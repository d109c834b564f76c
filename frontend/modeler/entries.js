// Small panel entries over LotFlow's settings, each a component of @bpmn-io/properties-panel.

import {
  CheckboxEntry,
  SelectEntry,
  TextAreaEntry,
  TextFieldEntry,
  isCheckboxEntryEdited,
  isSelectEntryEdited,
  isTextAreaEntryEdited,
  isTextFieldEntryEdited,
} from '@bpmn-io/properties-panel';
import { h } from '@bpmn-io/properties-panel/preact';
import { useService } from 'bpmn-js-properties-panel';

import { getBody, getProperty, setBody, setProperty } from './extensions';

// A text field over the spiffworkflow:property `name`.
function PropertyText(props) {
  const { element, id, label, name, description, area, target } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return h(area ? TextAreaEntry : TextFieldEntry, {
    element,
    id,
    label,
    description,
    debounce,
    rows: 2,
    getValue: () => getProperty(element, name, target),
    setValue: (value) => setProperty(element, name, (value || '').trim(), injector, target),
  });
}

export function propertyText(id, name, label, description, area = false, target = null) {
  return {
    id,
    name,
    label,
    description,
    area,
    target,
    component: PropertyText,
    isEdited: area ? isTextAreaEntryEdited : isTextFieldEntryEdited,
  };
}

// A choice over the spiffworkflow:property `name`; `options` are [{value, label}], '' for none.
function PropertySelect(props) {
  const { element, id, label, name, options, description } = props;
  const injector = useService('injector');
  return h(SelectEntry, {
    element,
    id,
    label,
    description,
    getOptions: () => {
      const current = getProperty(element, name);
      const known = options.some((o) => o.value === current);
      return known || !current ? options : [...options, { value: current, label: current }];
    },
    getValue: () => getProperty(element, name),
    setValue: (value) => setProperty(element, name, value, injector),
  });
}

export function propertySelect(id, name, label, options, description) {
  return { id, name, label, options, description, component: PropertySelect, isEdited: isSelectEntryEdited };
}

// A text area over the body of a spiffworkflow element (instructions, message variable...).
function BodyText(props) {
  const { element, id, label, type, description, rows, single } = props;
  const injector = useService('injector');
  const debounce = useService('debounceInput');
  return h(single ? TextFieldEntry : TextAreaEntry, {
    element,
    id,
    label,
    description,
    debounce,
    rows: rows || 4,
    getValue: () => getBody(element, type),
    setValue: (value) => setBody(element, type, value || '', injector),
  });
}

export function bodyText(id, type, label, { description, rows, single } = {}) {
  return {
    id,
    type,
    label,
    description,
    rows,
    single,
    component: BodyText,
    isEdited: single ? isTextFieldEntryEdited : isTextAreaEntryEdited,
  };
}

// Any value with its own getter and setter (conditions, called processes, form fields).
function Custom(props) {
  const { element, id, label, description, kind, get, set, options } = props;
  const debounce = useService('debounceInput');
  const common = { element, id, label, description, getValue: () => get(), setValue: (v) => set(v) };
  if (kind === 'select') {
    return h(SelectEntry, { ...common, getOptions: () => options() });
  }
  if (kind === 'checkbox') {
    return h(CheckboxEntry, common);
  }
  if (kind === 'area') {
    return h(TextAreaEntry, { ...common, debounce, rows: 3 });
  }
  return h(TextFieldEntry, { ...common, debounce });
}

const EDITED = {
  select: isSelectEntryEdited,
  checkbox: isCheckboxEntryEdited,
  area: isTextAreaEntryEdited,
  text: isTextFieldEntryEdited,
};

export function custom(id, label, { kind = 'text', get, set, options, description } = {}) {
  return { id, label, kind, get, set, options, description, component: Custom, isEdited: EDITED[kind] };
}

// The Markdown preview under the instructions, rendered by the server as the task page renders it.
function Preview(props) {
  const { element, url, label } = props;
  const text = getBody(element, 'spiffworkflow:InstructionsForEndUser');
  return h(
    'div',
    { class: 'bio-properties-panel-entry lf-preview-entry', 'data-entry-id': props.id },
    h('div', { class: 'bio-properties-panel-label' }, label),
    h('div', {
      class: 'lf-preview',
      ref: (node) => {
        if (!node || node.dataset.text === text) {
          return;
        }
        node.dataset.text = text;
        if (!text) {
          node.innerHTML = '';
          return;
        }
        const body = new URLSearchParams({ text });
        fetch(url, { method: 'POST', body, headers: { 'X-CSRFToken': csrfToken() } })
          .then((r) => (r.ok ? r.text() : ''))
          .then((html) => {
            node.innerHTML = html; // sanitised by the server (nh3)
          })
          .catch(() => {});
      },
    }),
  );
}

export function preview(id, label, url) {
  return { id, label, url, component: Preview, isEdited: () => false };
}

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (match) {
    return decodeURIComponent(match[1]);
  }
  const headers = document.body.getAttribute('hx-headers');
  return headers ? JSON.parse(headers)['X-CSRFToken'] : '';
}
