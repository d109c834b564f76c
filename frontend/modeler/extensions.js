// Reading and writing LotFlow's settings on a BPMN element: spiffworkflow:property name/value pairs and
// the single spiffworkflow:* elements (instructions, service operator, message variable...) inside the
// element's bpmn:extensionElements. Every write is one command on bpmn-js's command stack (undo works).

import { getBusinessObject, is } from 'bpmn-js/lib/util/ModelUtil';

const MULTI = 'properties-panel.multi-command-executor';

export function extensionValues(bo) {
  const ext = bo.get('extensionElements');
  return ext ? ext.get('values') : [];
}

export function findExtension(bo, type) {
  return extensionValues(bo).find((v) => is(v, type));
}

// `target` picks another moddle element to hold the property (a participant's process).
export function getProperty(element, name, target) {
  const bo = target ? target(element) : getBusinessObject(element);
  const props = findExtension(bo, 'spiffworkflow:Properties');
  const prop = props && props.get('properties').find((p) => p.name === name);
  return prop ? prop.value || '' : '';
}

function create(bpmnFactory, type, attrs, parent) {
  const made = bpmnFactory.create(type, attrs);
  made.$parent = parent;
  return made;
}

// The commands that make sure `bo` has extensionElements; returns [extensionElements, commands].
function ensureExtensions(element, bo, bpmnFactory) {
  let ext = bo.get('extensionElements');
  const commands = [];
  if (!ext) {
    ext = create(bpmnFactory, 'bpmn:ExtensionElements', { values: [] }, bo);
    commands.push(update(element, bo, { extensionElements: ext }));
  }
  return [ext, commands];
}

function update(element, moddleElement, properties) {
  return { cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } };
}

// Set (or, with an empty value, remove) the spiffworkflow:property `name`.
export function setProperty(element, name, value, injector, target) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const bo = target ? target(element) : getBusinessObject(element);
  const wanted = value == null ? '' : String(value);
  const current = findExtension(bo, 'spiffworkflow:Properties');
  const prop = current && current.get('properties').find((p) => p.name === name);
  if (!wanted) {
    if (prop) {
      const rest = current.get('properties').filter((p) => p !== prop);
      commandStack.execute(MULTI, [update(element, current, { properties: rest })]);
    }
    return;
  }
  if (prop) {
    commandStack.execute(MULTI, [update(element, prop, { value: wanted })]);
    return;
  }
  const [ext, commands] = ensureExtensions(element, bo, bpmnFactory);
  let props = current;
  if (!props) {
    props = create(bpmnFactory, 'spiffworkflow:Properties', { properties: [] }, ext);
    commands.push(update(element, ext, { values: [...ext.get('values'), props] }));
  }
  const made = create(bpmnFactory, 'spiffworkflow:Property', { name, value: wanted }, props);
  commands.push(update(element, props, { properties: [...props.get('properties'), made] }));
  commandStack.execute(MULTI, commands);
}

// The body of a single spiffworkflow element (instructionsForEndUser, messageVariable...).
export function getBody(element, type) {
  const found = findExtension(getBusinessObject(element), type);
  return found ? found.value || '' : '';
}

export function setBody(element, type, value, injector) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const bo = getBusinessObject(element);
  const found = findExtension(bo, type);
  if (!value) {
    if (found) {
      const ext = bo.get('extensionElements');
      commandStack.execute(MULTI, [update(element, ext, { values: ext.get('values').filter((v) => v !== found) })]);
    }
    return;
  }
  if (found) {
    commandStack.execute(MULTI, [update(element, found, { value })]);
    return;
  }
  const [ext, commands] = ensureExtensions(element, bo, bpmnFactory);
  const made = create(bpmnFactory, type, { value }, ext);
  commands.push(update(element, ext, { values: [...ext.get('values'), made] }));
  commandStack.execute(MULTI, commands);
}

// spiffworkflow:serviceTaskOperator: {id, resultVariable, parameters: {name: value}}.
export function getOperator(element) {
  const op = findExtension(getBusinessObject(element), 'spiffworkflow:ServiceTaskOperator');
  if (!op) {
    return null;
  }
  const list = op.get('parameterList');
  const parameters = {};
  (list ? list.get('parameters') : []).forEach((p) => {
    parameters[p.id] = { value: p.value || '', type: p.type || '' };
  });
  return { id: op.id || '', resultVariable: op.resultVariable || '', parameters };
}

// Replace the operator with `wanted` ({id, resultVariable, parameters: {name: {value, type}}}), or remove it.
export function setOperator(element, wanted, injector) {
  const bpmnFactory = injector.get('bpmnFactory');
  const commandStack = injector.get('commandStack');
  const bo = getBusinessObject(element);
  const [ext, commands] = ensureExtensions(element, bo, bpmnFactory);
  const others = ext.get('values').filter((v) => !is(v, 'spiffworkflow:ServiceTaskOperator'));
  if (!wanted || !wanted.id) {
    commands.push(update(element, ext, { values: others }));
    commandStack.execute(MULTI, commands);
    return;
  }
  const op = create(bpmnFactory, 'spiffworkflow:ServiceTaskOperator', { id: wanted.id }, ext);
  if (wanted.resultVariable) {
    op.resultVariable = wanted.resultVariable;
  }
  const list = create(bpmnFactory, 'spiffworkflow:Parameters', { parameters: [] }, op);
  Object.entries(wanted.parameters || {}).forEach(([name, param]) => {
    const made = create(bpmnFactory, 'spiffworkflow:Parameter', { id: name, value: param.value || '' }, list);
    if (param.type) {
      made.type = param.type;
    }
    list.get('parameters').push(made);
  });
  op.parameterList = list;
  commands.push(update(element, ext, { values: [...others, op] }));
  commandStack.execute(MULTI, commands);
}
